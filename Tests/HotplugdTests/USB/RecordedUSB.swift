import Foundation
import TestSupport

/// What the USB tests share: the recorded devices' paths and bindings for
/// them, and a `hotplugd run` inside the umockdev testbed.
enum RecordedUSB {
    static let pci = "/sys/devices/pci0000:00/0000:00:14.0"
    static let cableNet = pci + "/usb1/1-1/1-1:1.0/net/usb0"
    static let serialTTY = pci + "/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"
    static let otherTTY = pci + "/usb1/1-3/1-3:1.0/ttyUSB1/tty/ttyUSB1"

    /// The gamelink binding of examples/gamelink.toml without `[link]`: the
    /// recorded usb0 has no link in the kernel (umockdev does not fake
    /// rtnetlink), so a rename would fail. `[link]` is covered on veth.
    static func gamelink(child: String) -> String {
        """
        [match]
        subsystem = "net"
        usb-vendor = "067b"
        usb-product = "25a1"
        driver = "plusb"
        [exec]
        command = ["\(child)", "{interface}", "{usb-serial}", "{usb-vendor}:{usb-product}"]
        stop-timeout = "2s"
        """
    }

    /// The serial console binding of examples/usb-serial.toml.
    static func serialConsole(child: String) -> String {
        """
        [match]
        subsystem = "tty"
        usb-vendor = "0403"
        usb-product = "6001"
        driver = "ftdi_sio"
        [exec]
        command = ["\(child)", "{devnode}", "{usb-serial}"]
        stop-timeout = "2s"
        """
    }

    /// A child that reports its argv and says when it gets SIGTERM.
    static func reportingChild(in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/child.sh"
        try """
            #!/bin/sh
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            sleep 600 & wait $!
            """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// Writes bindings into `directory/bindings` and returns that path.
    static func bindings(_ files: [String: String], in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/bindings"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try directory.write("bindings/" + name, text) }
        return path
    }

    /// Starts `hotplugd run` in the testbed and waits for its readiness line.
    static func startDaemon(_ testbed: UmockdevTestbed, config: String, _ extra: [String]) throws {
        try testbed.start([HotplugdBinary.path, "run", "--config", config] + extra)
        guard testbed.waitForLog("ready:", timeout: 20) != nil else {
            throw TestFailure("hotplugd did not become ready: \(testbed.logLines.joined(separator: "\n"))")
        }
    }
}
