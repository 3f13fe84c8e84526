@testable import HotplugCore

/// Devices as libudev would describe them, built by hand.
enum FakeDevices {
    /// The PL25A1 cable: net usb0 <- interface (plusb) <- usb_device 067b:25a1 <- hub <- root.
    static let gamelink = DeviceFacts(
        syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/net/usb0",
        devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/net/usb0",
        subsystem: "net", sysname: "usb0",
        properties: ["INTERFACE": "usb0", "ID_VENDOR_ID": "067b", "ID_MODEL_ID": "25a1", "ID_BUS": "usb",
                     "ID_PATH": "pci-0000:00:14.0-usb-0:2:1.0", "ID_NET_DRIVER": "plusb", "IFINDEX": "7"],
        tags: ["systemd"],
        attributes: ["address": "02:11:22:33:44:55"],
        ancestors: [
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0", subsystem: "usb",
                          devtype: "usb_interface", sysname: "1-2:1.0", driver: "plusb",
                          attributes: ["bInterfaceClass": "ff"]),
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2", subsystem: "usb",
                          devtype: "usb_device", sysname: "1-2", driver: "usb",
                          attributes: ["idVendor": "067b", "idProduct": "25a1", "serial": "GL0001", "manufacturer": "Prolific"]),
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1", subsystem: "usb",
                          devtype: "usb_device", sysname: "usb1", driver: "usb",
                          attributes: ["idVendor": "1d6b", "idProduct": "0002", "serial": "0000:00:14.0"]),
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0", subsystem: "pci", sysname: "0000:00:14.0",
                          driver: "xhci_hcd", attributes: ["vendor": "0x8086"]),
        ],
        ifindex: 7)

    static let serial = DeviceFacts(
        syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0",
        devpath: "/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0/tty/ttyUSB0",
        subsystem: "tty", sysname: "ttyUSB0", devnode: "/dev/ttyUSB0",
        properties: ["DEVNAME": "/dev/ttyUSB0", "ID_VENDOR_ID": "0403"],
        ancestors: [
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/ttyUSB0", subsystem: "usb-serial",
                          sysname: "ttyUSB0", driver: "ftdi_sio"),
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0", subsystem: "usb",
                          devtype: "usb_interface", sysname: "1-3:1.0", driver: "ftdi_sio"),
            AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-3", subsystem: "usb",
                          devtype: "usb_device", sysname: "1-3", driver: "usb",
                          attributes: ["idVendor": "0403", "idProduct": "6001", "serial": "A50285BI"]),
        ])

    static func veth(_ name: String, ifindex: Int32 = 42) -> DeviceFacts {
        DeviceFacts(
            syspath: "/sys/devices/virtual/net/\(name)", devpath: "/devices/virtual/net/\(name)",
            subsystem: "net", sysname: name,
            properties: ["INTERFACE": name, "ID_NET_DRIVER": "veth", "IFINDEX": String(ifindex)],
            attributes: ["address": "ae:00:00:00:00:01"], ifindex: ifindex)
    }
}
