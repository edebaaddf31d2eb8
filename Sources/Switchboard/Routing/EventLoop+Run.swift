import NIOCore

extension EventLoop {
    /// Runs `body` right away when called on this loop, else on the loop's next turn: work that must run
    /// on the loop without the extra turn `execute` costs when the caller is already there.
    package func run(_ body: @escaping @Sendable () -> Void) {
        if inEventLoop { body() } else { execute(body) }
    }
}
