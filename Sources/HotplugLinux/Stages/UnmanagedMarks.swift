import Glibc
import HotplugCore
import Logging

/// The owner of the runtime rules file that keeps NetworkManager and
/// systemd-networkd off the links hotplugd configures (`UnmanagedRules`):
/// written at start and on reload, removed when no binding needs it and
/// when the daemon stops. udevd is told to load the rules again each time.
///
/// The file is in /run/udev/rules.d, a directory only root may write:
/// opened component by component without following symlinks (and never
/// created above /run/udev, which exists only where udevd runs), and the
/// file is replaced whole by a rename, so udevd never reads half of it.
final class UnmanagedMarks {
    let directoryPath: String
    let fileName: String
    /// The text in place now; nil when we keep no file.
    private(set) var written: String?

    /// `file`: checked by `UnmanagedRules.fileProblem` (the command line does).
    init(file: String) {
        let slash = file.lastIndex(of: "/") ?? file.startIndex
        directoryPath = String(file[..<slash])
        fileName = String(file[file.index(after: slash)...])
    }

    /// Puts the rules for `configuration` in place (or removes the file
    /// when no binding needs one) and has udevd load them. At start, a file
    /// left by a daemon that crashed is replaced or removed as well.
    func update(_ configuration: Configuration, logger: Logger) {
        let output = UnmanagedRules.rules(for: configuration)
        for gap in output.gaps {
            logger.warning("\(gap.file): binding '\(gap.binding)': \(gap.key) cannot be written as a udev rule (\(gap.message)); NetworkManager and systemd-networkd are not kept off its links")
        }
        guard output.text != written || written == nil else { return }
        let directory: VerifiedDirectory
        do {
            directory = try VerifiedDirectory.open(directoryPath, creatingWith: 0o755)
        } catch {
            if output.text != nil {
                logger.warning("cannot write the rules that keep NetworkManager and systemd-networkd off the configured links: \(error)")
            }
            return
        }
        if let text = output.text {
            switch directory.replaceFile(fileName, text, mode: 0o644) {
            case .success:
                written = text
                logger.info("wrote \(directoryPath)/\(fileName): NetworkManager and systemd-networkd leave the configured links alone")
            case .failure(let refusal):
                logger.warning("cannot write \(directoryPath)/\(fileName): \(refusal)")
                return
            }
        } else {
            let existed = directory.names()?.contains(fileName) ?? true
            directory.remove(fileName)
            written = nil
            guard existed else { return }
        }
        reloadUdevd(logger)
    }

    /// At stop: the file goes. Devices marked keep their marks in udev's
    /// database until their next event, so a manager does not take a link
    /// the moment hotplugd stops.
    func remove(logger: Logger) {
        guard written != nil, let directory = try? VerifiedDirectory.open(directoryPath, creatingWith: 0o755) else { return }
        directory.remove(fileName)
        written = nil
        reloadUdevd(logger)
    }

    /// Marks devices that were present before the rules were: udevd runs
    /// its rules again on a "change" uevent (what `udevadm trigger` writes),
    /// and NetworkManager, which read the device before the mark existed,
    /// is told directly (`nmcli device set IFACE managed no`) where it runs.
    func markPresent(_ devices: [(syspath: String, interface: String?)], logger: Logger) {
        guard written != nil else { return }
        let networkManagerRuns = access("/run/NetworkManager", F_OK) == 0
        for device in devices {
            if let problem = Self.requestChangeEvent(syspath: device.syspath) {
                if access(device.syspath, F_OK) != 0 {
                    // Renamed by a binding since it was enumerated (or gone): udevd
                    // ran its rules again on the rename's move event, which the
                    // rules match by the binding's own names.
                    logger.info("\(Printable.escaped(device.syspath)) moved or went before udev could be asked to mark it: \(problem)")
                } else {
                    logger.warning("cannot ask udev to mark \(Printable.escaped(device.syspath)): \(problem)")
                }
            }
            if networkManagerRuns, let interface = device.interface,
               let problem = OneShotCommand.run(["nmcli", "device", "set", interface, "managed", "no"]) {
                logger.warning("cannot tell NetworkManager to leave \(Printable.escaped(interface)) alone: \(problem)")
            }
        }
    }

    private func reloadUdevd(_ logger: Logger) {
        // udevd checks its rule directories only now and then (every 3 s at
        // most, on an event); an add right after the write must see the file.
        if let problem = OneShotCommand.run(["udevadm", "control", "--reload"]) {
            // Not a warning: where udevd runs it rereads them on its own, and
            // where it does not (the kernel source) nothing reads them.
            logger.info("udevd did not reload its rules: \(problem); it will on its own within seconds")
        }
    }

    /// Writes "change" to the device's uevent file under /sys (the kernel's
    /// own tree; the syspath comes from udev, and must stay under /sys/devices).
    static func requestChangeEvent(syspath: String) -> String? {
        guard syspath.hasPrefix("/sys/devices/"), !syspath.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            return "not a device under /sys/devices"
        }
        guard let file = FileDescriptor(adopting: open(syspath + "/uevent", O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) else {
            return errnoText()
        }
        let word = Array("change".utf8)
        let count = word.withUnsafeBytes { write(file.rawValue, $0.baseAddress, $0.count) }
        return count == word.count ? nil : errnoText()
    }
}
