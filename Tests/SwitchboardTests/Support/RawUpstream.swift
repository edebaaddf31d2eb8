import NIOCore
import NIOPosix
import NIOSSL

/// A TCP server on 127.0.0.1 (ephemeral port) that answers each connection's first read with fixed
/// bytes, then half-closes (shuts its output) or closes: the HTTP a scripted `MockUpstream` cannot send,
/// such as a body delimited by the end of the connection. With `tls`, it speaks TLS first.
final class RawUpstream: Sendable {
    enum Ending: Sendable {
        /// Shut the output after the answer (a FIN) and keep reading.
        case halfClose
        /// Close the whole connection after the answer.
        case close
    }

    let port: Int
    private let channel: any Channel

    init(answer: String, ending: Ending, tls: NIOSSLContext? = nil) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(Answerer(answer: answer, ending: ending))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func shutdown() async throws {
        try await channel.close()
    }

    private final class Answerer: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: String
        let ending: Ending
        var answered = false

        init(answer: String, ending: Ending) {
            self.answer = answer
            self.ending = ending
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            let channel = context.channel
            let ending = ending
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).whenComplete { _ in
                switch ending {
                case .halfClose: channel.close(mode: .output, promise: nil)
                case .close: channel.close(promise: nil)
                }
            }
        }
    }
}
