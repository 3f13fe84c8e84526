/// Something in the bindings that is valid but may not work on this
/// machine: a user or program that does not exist yet (it may be created
/// later), a key the chosen event source cannot see. `check` prints these
/// and still exits 0; `run` logs them.
/// Printed as a diagnostic is, with `warning:` before the message.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public var diagnostic: ConfigDiagnostic

    public init(file: String, position: SourcePosition?, message: String) {
        diagnostic = ConfigDiagnostic(file: file, position: position, message: "warning: " + message)
    }

    public var description: String { diagnostic.description }
}

/// What the machine has, asked by `ConfigWarnings`; the Linux shell
/// answers as a spawn would (the user and group databases, the file
/// system), tests from a table.
public protocol MachineFacts {
    /// Why `program` cannot be executed, or nil: a path as it is, a bare
    /// name as found in `searchPath` (the child's PATH).
    func executableProblem(_ program: String, searchPath: String) -> String?
    /// Why a child could not switch to this user and group: the key at
    /// fault ("user" or "group") and the reason; nil when it could.
    func credentialsProblem(user: String?, group: String?) -> (key: String, reason: String)?
    /// The kernel's limit on a program's argv and environment together
    /// (ARG_MAX: a quarter of the stack limit), in bytes.
    var argumentLimit: Int { get }
    /// Why a child could not chdir into `directory`, or nil.
    func directoryProblem(_ directory: String) -> String?
}

extension MachineFacts {
    public func directoryProblem(_ directory: String) -> String? { nil }
}

/// The warnings of a loaded configuration. Pure: the files' text (for the
/// positions) and the machine's answers in, warnings out.
public enum ConfigWarnings {
    public static func find(_ configuration: Configuration, sources: [ConfigSource], machine: some MachineFacts,
                            kernelSource: Bool) -> [ConfigWarning] {
        var warnings: [ConfigWarning] = []
        for binding in configuration.bindings {
            let document = sources.first { $0.path == binding.file }.flatMap { try? TOMLParser.parse($0.text) }
            func at(_ path: [String]) -> SourcePosition? { document.flatMap { position(of: path, in: $0) } }
            func warn(_ path: [String], _ message: String) {
                warnings.append(ConfigWarning(file: binding.file, position: at(path), message: message))
            }
            if let exec = binding.exec {
                // A relative path depends on the working directory at spawn: not judged.
                if let program = exec.command.first, program.placeholders.isEmpty,
                   program.source.hasPrefix("/") || !program.source.contains("/"),
                   let problem = machine.executableProblem(program.source, searchPath: childSearchPath(exec)) {
                    warn(["exec", "command", "0"], "\(problem); the child cannot start until it is installed")
                }
                let written = writtenArgumentBytes(exec)
                if written > machine.argumentLimit / 2 {
                    warn(["exec", exec.environment.isEmpty ? "command" : "environment"],
                         "the command and environment written here take \(written) bytes of the \(machine.argumentLimit) the kernel allows a program (ARG_MAX, a quarter of the stack limit); with the device's properties added at plug time the child may fail to start (E2BIG)")
                }
                if let directory = exec.workingDirectory, directory.hasPrefix("/"), !directory.contains("{"),
                   let problem = machine.directoryProblem(directory) {
                    warn(["exec", "working-directory"], "\(problem); the child cannot start until it exists")
                }
                if exec.user != nil || exec.group != nil,
                   let (key, reason) = machine.credentialsProblem(user: exec.user, group: exec.group) {
                    warn(["exec", key], "\(reason); the child cannot start until it exists")
                }
            }
            if kernelSource {
                for (path, key) in KernelSourceKeys.unseen(binding.match) {
                    warn(path, "binding '\(binding.name)': \(key) is set by udev, and the kernel's events (--source kernel) carry none: the binding can match devices present at start, read from udev's database, but never one plugged in later; use the udev source, or match what sysfs has (driver, usb-*, mac, [match.attribute])")
                }
            }
        }
        return warnings
    }

    /// What execve counts for the text in the file: each string with its
    /// NUL and its pointer. Placeholders count as empty.
    static func writtenArgumentBytes(_ exec: ExecSettings) -> Int {
        func size(_ template: Template) -> Int {
            template.segments.reduce(0) { total, segment in
                if case .literal(let text) = segment { total + text.utf8.count } else { total }
            }
        }
        let pointer = MemoryLayout<UnsafeRawPointer>.size
        let arguments = exec.command.reduce(0) { $0 + size($1) + 1 + pointer }
        return exec.environment.reduce(arguments) { $0 + $1.key.utf8.count + 1 + size($1.value) + 1 + pointer }
    }

    /// The PATH a child gets: the binding's own when it sets one literally.
    static func childSearchPath(_ exec: ExecSettings) -> String {
        if let path = exec.environment.last(where: { $0.key == "PATH" })?.value, path.placeholders.isEmpty {
            return path.source
        }
        return LaunchPlan.defaultPath
    }

    /// The position of a value by its key path; an array element by its index.
    static func position(of path: [String], in table: TOMLTable) -> SourcePosition? {
        var node: TOMLNode?
        var current: TOMLValue = .table(table)
        for component in path {
            switch current {
            case .table(let table):
                guard let entry = table[component] else { return node?.position }
                node = entry.node
            case .array(let elements):
                guard let index = Int(component), elements.indices.contains(index) else { return node?.position }
                node = elements[index]
            default:
                return node?.position
            }
            current = node?.value ?? current
        }
        return node?.position
    }
}

/// Which `[match]` keys the kernel's own events can match (issue 16, item
/// 10). They carry the kernel's uevent variables only; sysfs (driver, USB
/// ids, attributes, the MAC) is read by hotplugd either way.
public enum KernelSourceKeys {
    /// Variables the kernel itself puts in uevents (lib/kobject_uevent.c and
    /// the buses' uevent callbacks), so `[match.property]` on them works.
    public static let kernelVariables: Set<String> = [
        "ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM", "DEVNAME", "DEVTYPE", "DRIVER", "MAJOR", "MINOR",
        "DEVMODE", "DEVUID", "DEVGID", "INTERFACE", "IFINDEX", "PRODUCT", "TYPE", "BUSNUM", "DEVNUM",
        "MODALIAS", "OF_NAME", "OF_FULLNAME", "OF_COMPATIBLE_N", "PCI_CLASS", "PCI_ID", "PCI_SUBSYS_ID",
        "PCI_SLOT_NAME", "HID_ID", "HID_NAME", "HID_PHYS", "HID_UNIQ", "SYNTH_UUID", "DISKSEQ", "PARTN", "PARTNAME",
    ]

    /// The keys of `rules` that only udev sets: (key path in the file, name).
    static func unseen(_ rules: MatchRules) -> [([String], String)] {
        var keys: [([String], String)] = []
        if rules.path != nil { keys.append((["match", "path"], "[match] path (ID_PATH)")) }
        if rules.tag != nil { keys.append((["match", "tag"], "[match] tag")) }
        for property in rules.properties where !kernelVariables.contains(property.key) {
            keys.append((["match", "property", property.key], "[match.property] \(property.key)"))
        }
        return keys
    }
}
