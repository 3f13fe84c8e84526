import Glibc
import HotplugLinux
import Testing

@Suite("Spawner")
struct SpawnerTests {
    static let hostileArguments = [
        "two words", "semi;colon", "$(x)", "`id`", "line\nbreak", "\"double\"", "'single'",
        "*", "back\\slash", "tab\there", "-n", "&& rm -rf /", "",
    ]

    @Test("arguments reach the program literally, one per line via printf")
    func argumentsArePassedLiterally() throws {
        let oneLineArguments = Self.hostileArguments.filter { !$0.contains("\n") }
        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["/usr/bin/printf", "%s\\n"] + oneLineArguments))
        #expect(run.status == .exited(0))
        #expect(run.stdout == oneLineArguments)
        #expect(run.stderr == [])
    }

    @Test("/bin/echo sees spaces, ;, $(x), quotes and newlines verbatim")
    func echoSeesHostileArgumentsVerbatim() throws {
        let arguments = ["start"] + Self.hostileArguments
        let run = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/bin/echo"] + arguments))
        #expect(run.status == .exited(0))
        #expect(run.stdout.joined(separator: "\n") == arguments.joined(separator: " "))
    }

    @Test("environment is exactly the given entries, in order")
    func environmentIsExact() throws {
        let environment = ["A=1", "EMPTY=", "SPACES=a b  c", "WEIRD=$(x);`y`'\"", "LANG=C"]
        let run = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/usr/bin/env"], environment: environment))
        #expect(run.status == .exited(0))
        #expect(run.stdout == environment)
    }

    @Test("an empty environment stays empty")
    func emptyEnvironment() throws {
        let run = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/usr/bin/env"]))
        #expect(run.stdout == [])
    }

    @Test("bare program names are searched in the child's PATH")
    func bareNameUsesRequestPath() throws {
        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["echo", "found"], environment: ["PATH=/nonexistent:/bin"]))
        #expect(run.stdout == ["found"])

        #expect {
            _ = try Spawner.spawn(SpawnRequest(argv: ["hotplugd-no-such-program"], environment: ["PATH=/bin:/usr/bin"]))
        } throws: { error in
            guard let error = error as? SpawnError else { return false }
            return error.stage == .resolve && error.errno == ENOENT
                && error.description == "resolve hotplugd-no-such-program in PATH=/bin:/usr/bin: No such file or directory"
        }
    }

    @Test("working directory is honoured")
    func workingDirectory() throws {
        let directory = try ChildHarness.makeTemporaryDirectory()
        defer { ChildHarness.removeTree(directory) }
        let run = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/bin/pwd"], workingDirectory: directory))
        #expect(run.status == .exited(0))
        #expect(run.stdout == [directory])
    }

    @Test("a missing working directory is reported as a chdir failure")
    func missingWorkingDirectory() throws {
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/pwd"], workingDirectory: "/nonexistent/hotplugd"))
        }
        #expect(error.stage == .chdir)
        #expect(error.errno == ENOENT)
        #expect(error.description == "chdir /nonexistent/hotplugd: No such file or directory")
    }

    @Test("exec of a missing file is a typed ENOENT error, not exit 127")
    func execMissingFile() throws {
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/usr/bin/nope"]))
        }
        #expect(error.stage == .exec)
        #expect(error.errno == ENOENT)
        #expect(error.description == "exec /usr/bin/nope: No such file or directory")
    }

    @Test("exec of a non-executable file is a typed EACCES error")
    func execNonExecutable() throws {
        let directory = try ChildHarness.makeTemporaryDirectory()
        defer { ChildHarness.removeTree(directory) }
        let script = directory + "/script.sh"
        try ChildHarness.writeFile(script, contents: "#!/bin/sh\necho should not run\n", mode: 0o644)
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: [script]))
        }
        #expect(error.stage == .exec)
        #expect(error.errno == EACCES)
        #expect(error.description == "exec \(script): Permission denied")
    }

    @Test("a NUL byte in argv or environment is refused before forking")
    func nulBytesAreRefused() throws {
        let argumentError = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/echo", "a\u{0}b"]))
        }
        #expect(argumentError.stage == .arguments)
        #expect(argumentError.detail == "argument contains a NUL byte")

        let environmentError = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/echo"], environment: ["A=\u{0}"]))
        }
        #expect(environmentError.stage == .arguments)
        #expect(environmentError.detail == "environment entry contains a NUL byte")
    }

    @Test("oversized argv is refused with E2BIG; empty argv is refused")
    func oversizedArguments() throws {
        let huge = String(repeating: "x", count: SpawnRequest.maximumArgumentBytes)
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/echo", huge]))
        }
        #expect(error.stage == .arguments)
        #expect(error.errno == E2BIG)

        let empty = try #require(throws: SpawnError.self) { _ = try Spawner.spawn(SpawnRequest(argv: [])) }
        #expect(empty.stage == .arguments)
    }

    @Test("unknown user and group are typed errors")
    func unknownUserAndGroup() throws {
        let userError = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"], user: "hotplugd-no-such-user"))
        }
        #expect(userError.stage == .user)
        #expect(userError.description == "user hotplugd-no-such-user: no such user")

        let groupError = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"], group: "hotplugd-no-such-group"))
        }
        #expect(groupError.stage == .group)
    }

    @Test("SpawnError descriptions name the call and the errno text")
    func errorDescriptions() {
        #expect(SpawnError(stage: .setuid, errno: EPERM, detail: "setuid(1000)").description
            == "setuid(1000): Operation not permitted")
        #expect(SpawnError(stage: .arguments, errno: 0, detail: "argument contains a NUL byte").description
            == "argument contains a NUL byte")
    }

    @Test("as root, user nobody gets uid 65534 and no root supplementary groups",
          .enabled(if: getuid() == 0, "needs root to change identity"))
    func dropsToNobody() throws {
        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["/bin/sh", "-c", "id -u; id -g; id -G"], environment: ["PATH=/usr/bin:/bin"],
                         workingDirectory: "/", user: "nobody"))
        #expect(run.status == .exited(0))
        #expect(run.stderr == [])
        try #require(run.stdout.count == 3)
        #expect(run.stdout[0] == "65534")
        let groups = run.stdout[2].split(separator: " ").map(String.init)
        #expect(groups.contains(run.stdout[1]))
        #expect(!groups.contains("0"))
    }

    @Test("as root, a group alone replaces gid and supplementary groups but keeps uid",
          .enabled(if: getuid() == 0, "needs root to change identity"))
    func groupOnly() throws {
        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["/bin/sh", "-c", "id -u; id -g; id -G"], environment: ["PATH=/usr/bin:/bin"],
                         group: "65534"))
        #expect(run.stdout == ["0", "65534", "65534"])
    }

    @Test("as root, chdir is checked as the target user and reported from the child",
          .enabled(if: getuid() == 0, "needs root to change identity"))
    func chdirAsTargetUser() throws {
        let directory = try ChildHarness.makeTemporaryDirectory() // mode 0700, owned by root
        defer { ChildHarness.removeTree(directory) }
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/pwd"], workingDirectory: directory, user: "nobody"))
        }
        #expect(error.stage == .chdir)
        #expect(error.errno == EACCES)
    }

    @Test("without privileges, a credential change fails in the child with a typed error",
          .enabled(if: getuid() != 0, "root may change identity"))
    func credentialChangeWithoutPrivilege() throws {
        let error = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"], user: "root"))
        }
        #expect(error.stage == .setgroups)
        #expect(error.errno == EPERM)
        #expect(error.description.hasSuffix(": Operation not permitted"))
    }

    @Test("stdin is /dev/null and only descriptors 0, 1, 2 are inherited")
    func descriptorHygiene() throws {
        // A descriptor the daemon forgot to mark close-on-exec must not leak.
        let leaky = open("/dev/null", O_RDONLY)
        try #require(leaky >= 0)
        defer { close(leaky) }

        let stdin = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/usr/bin/readlink", "/proc/self/fd/0"]))
        #expect(stdin.stdout == ["/dev/null"])

        // ls itself holds one extra descriptor (3) for the directory it lists.
        let listing = try ChildHarness.spawnAndCollect(SpawnRequest(argv: ["/bin/ls", "-1", "/proc/self/fd"]))
        #expect(listing.status == .exited(0))
        #expect(listing.stdout == ["0", "1", "2", "3"])
    }

    @Test("the child leads its own session and process group")
    func ownSession() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/cat", "/proc/self/stat"]))
        let run = try ChildHarness.collect(child)
        let stat = try #require(run.stdout.first)
        let closing = try #require(stat.lastIndex(of: ")"))
        // Fields after "(comm)": state ppid pgrp session ...
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        try #require(fields.count > 3)
        #expect(fields[1] == "\(getpid())")
        #expect(fields[2] == "\(child.pid)")
        #expect(fields[3] == "\(child.pid)")
    }

    @Test("signal mask and ignored set are empty although the parent blocked and ignored signals")
    func cleanSignalState() throws {
        // Block SIGTERM in this thread (the one that forks) and ignore SIGUSR2
        // process-wide, the way the daemon does before creating its signalfd.
        var blockSet = sigset_t()
        sigemptyset(&blockSet)
        sigaddset(&blockSet, SIGTERM)
        var previousMask = sigset_t()
        try #require(pthread_sigmask(SIG_BLOCK, &blockSet, &previousMask) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &previousMask, nil) }
        let previousUSR2 = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previousUSR2) }

        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"]))
        #expect(run.status == .exited(0))
        #expect(run.stdout == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
    }
}
