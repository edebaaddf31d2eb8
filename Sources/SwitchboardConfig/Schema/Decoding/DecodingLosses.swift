/// What the decoder left out after reporting an error there. The reference checks that run afterwards
/// stay quiet about what follows from it, so that one mistake gives one error: a provider missing its
/// `adapter` is not also "not declared" where a route names it, and its key pool is not "unused".
struct DecodingLosses: Sendable {
    /// Providers the file declares that could not be decoded.
    var providers: Set<String> = []
    /// Key pools those providers name.
    var keyPoolsOfLostProviders: Set<String> = []
    /// Key pools the file declares that could not be decoded.
    var keyPools: Set<String> = []
    /// The `providers` section is misspelled or is not a mapping: no provider reference, and no key pool's
    /// use, can be judged.
    var providersSection = false
    /// There is no `providers` section (reported once, where routes name providers).
    var providersAbsent = false
    /// Providers named by targets that could not be decoded.
    var providersOfLostTargets: Set<String> = []
    /// Routes that lost a target.
    var routesWithLostTargets: Set<String> = []
    /// A route, or the `routes` section, could not be decoded: which providers it used is unknown.
    var routes = false
}
