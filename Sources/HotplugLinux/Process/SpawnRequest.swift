/// What to run. Every string may come from hostile device data: nothing here
/// is ever interpreted by a shell; argv and environment reach execve()
/// byte for byte.
public struct SpawnRequest: Sendable, Equatable {
    /// argv[0] is the program: a path containing "/" is used as is, a bare
    /// name is searched in the PATH of `environment` (or a default PATH).
    public var argv: [String]
    /// "KEY=VALUE" entries, passed exactly as given (nothing is inherited).
    public var environment: [String]
    /// nil inherits the daemon's working directory.
    public var workingDirectory: String?
    /// User name or numeric uid. Sets uid, the user's primary group (unless
    /// `group` is given) and the user's supplementary groups.
    public var user: String?
    /// Group name or numeric gid. Without `user`, supplementary groups are
    /// reduced to just this group.
    public var group: String?

    public init(argv: [String], environment: [String] = [], workingDirectory: String? = nil,
                user: String? = nil, group: String? = nil) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.group = group
    }

    /// Upper bound for argv + environment, counted as the kernel does (string
    /// bytes, terminating NULs and one pointer per entry). Well under the
    /// kernel's own limit so oversized device data is refused with a clear
    /// error before any fork happens.
    public static let maximumArgumentBytes = 1 << 20
}
