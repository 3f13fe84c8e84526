// The core micro-benchmark: what it costs hotplugd's pure core to decide
// which bindings a device event concerns. 10,000 device records in the shapes
// udev reports (USB NICs and serial adapters with their parent chains, disks,
// input devices, PCI NICs, veths) are matched against 200 bindings loaded
// from TOML, through the call the daemon makes for every add:
// `EventTracker.matchingBindings`, which asks the binding index for
// candidates and runs `Matcher.matches` on each.
//
//     CoreBenchmark [--rounds R]
//
// Prints one JSON line. Allocations are counted when bench/malloc-count.so is
// preloaded (LD_PRELOAD); without it they are reported as null.
import Glibc
import HotplugCore

// MARK: - Deterministic input

/// SplitMix64: the same devices and bindings on every run and machine.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

func hex4(_ value: Int) -> String {
    let digits = String(value & 0xffff, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}

func hex2(_ value: Int) -> String {
    let digits = String(value & 0xff, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}

/// USB ids seen in the bindings and on the devices; the overlap is partial,
/// so some devices match one or more bindings and most match none.
let vendors = (0..<48).map { hex4(0x0400 + $0 * 0x37) }
let products = (0..<24).map { hex4(0x2000 + $0 * 0x111) }
let netDrivers = ["plusb", "cdc_ether", "r8152", "asix", "ax88179_178a", "cdc_ncm"]

func bindingText(_ index: Int, _ random: inout Random) -> String {
    let vendor = random.pick(vendors), product = random.pick(products)
    let match: String
    switch index % 8 {
    case 0:
        match = """
            subsystem = "net"
            usb-vendor = "\(vendor)"
            usb-product = "\(product)"
            driver = "\(random.pick(netDrivers))"
            """
    case 1:
        match = """
            subsystem = "tty"
            kernel = "ttyUSB*"
            usb-vendor = "\(vendor)"
            usb-product = ["\(product)", "\(random.pick(products))"]
            """
    case 2:
        match = """
            subsystem = "net"
            kernel = ["enx*", "!enx0000000000\(hex2(index))"]
            property.ID_NET_DRIVER = "\(random.pick(netDrivers))"
            """
    case 3:
        match = """
            subsystem = ["net", "tty"]
            attribute.manufacturer = "Vendor \(random.below(40))*"
            """
    case 4:
        match = """
            subsystem = "net"
            mac = "02:\(hex2(index)):*"
            """
    case 5:
        match = """
            subsystem = "net"
            path = "pci-0000:00:14.0-usb-0:\(random.below(8) + 1):1.0"
            tag = "systemd"
            """
    case 6:
        match = """
            subsystem = "block"
            devtype = "disk"
            usb-serial = "SER\(random.below(100))*"
            """
    default:
        match = """
            subsystem = "input"
            kernel = "event*"
            property.ID_INPUT_KEYBOARD = "1"
            usb-vendor = "\(vendor)"
            """
    }
    return """
        description = "benchmark binding \(index)"

        [match]
        \(match)

        [exec]
        command = ["/usr/bin/true", "{interface}"]
        restart = "no"

        """
}

/// A udev-like property set: the common keys every device carries.
func commonProperties(_ syspath: String, _ subsystem: String, _ name: String, _ random: inout Random) -> [String: String] {
    [
        "ACTION": "add", "DEVPATH": String(syspath.dropFirst(4)), "SUBSYSTEM": subsystem,
        "SEQNUM": String(random.below(1_000_000)), "USEC_INITIALIZED": String(random.next() % 1_000_000_000),
        "ID_MODEL_FROM_DATABASE": "Model \(random.below(500))", "ID_VENDOR_FROM_DATABASE": "Vendor \(random.below(40)) Inc.",
        "SYSTEMD_ALIAS": "/sys/subsystem/\(subsystem)/devices/\(name)", "TAGS": ":systemd:", "CURRENT_TAGS": ":systemd:",
    ]
}

func usbChain(port: Int, vendor: String, product: String, interfaceDriver: String, random: inout Random) -> (String, [AncestorFacts]) {
    let root = "/sys/devices/pci0000:00/0000:00:14.0"
    let device = "\(root)/usb1/1-\(port)"
    let interface = "\(device)/1-\(port):1.0"
    return (interface, [
        AncestorFacts(syspath: interface, subsystem: "usb", devtype: "usb_interface", sysname: "1-\(port):1.0",
                      driver: interfaceDriver, attributes: [:]),
        AncestorFacts(syspath: device, subsystem: "usb", devtype: "usb_device", sysname: "1-\(port)", driver: "usb",
                      attributes: ["idVendor": vendor, "idProduct": product, "serial": "SER\(random.below(1000))",
                                   "manufacturer": "Vendor \(random.below(40)) Inc."]),
        AncestorFacts(syspath: "\(root)/usb1", subsystem: "usb", devtype: "usb_device", sysname: "usb1", driver: "usb",
                      attributes: ["idVendor": "1d6b", "idProduct": "0002", "serial": "0000:00:14.0",
                                   "manufacturer": "Linux 6.1.0 xhci-hcd"]),
        AncestorFacts(syspath: root, subsystem: "pci", sysname: "0000:00:14.0", driver: "xhci_hcd", attributes: [:]),
    ])
}

func mac(_ random: inout Random) -> String {
    (0..<6).map { $0 == 0 ? "02" : hex2(random.below(256)) }.joined(separator: ":")
}

func device(_ index: Int, _ random: inout Random) -> DeviceFacts {
    let vendor = random.pick(vendors), product = random.pick(products)
    let port = random.below(8) + 1
    switch index % 6 {
    case 0: // USB NIC: net usbN <- interface <- usb_device <- root hub <- xHCI
        let driver = random.pick(netDrivers)
        let (parent, ancestors) = usbChain(port: port, vendor: vendor, product: product, interfaceDriver: driver, random: &random)
        let name = "usb\(index)", syspath = "\(parent)/net/\(name)"
        var properties = commonProperties(syspath, "net", name, &random)
        properties.merge(["INTERFACE": name, "IFINDEX": String(index + 2), "ID_NET_DRIVER": driver, "ID_BUS": "usb",
                          "ID_VENDOR_ID": vendor, "ID_MODEL_ID": product, "ID_PATH": "pci-0000:00:14.0-usb-0:\(port):1.0",
                          "ID_NET_NAME_MAC": "enx0000000000\(hex2(index))"]) { $1 }
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "net", sysname: name,
                           properties: properties, tags: ["systemd"], attributes: ["address": mac(&random)],
                           ancestors: ancestors, ifindex: Int32(index + 2))
    case 1: // USB serial: tty ttyUSBn <- usb-serial port <- interface <- usb_device ...
        let (parent, chain) = usbChain(port: port, vendor: vendor, product: product, interfaceDriver: "ftdi_sio", random: &random)
        let name = "ttyUSB\(index)", port = "\(parent)/ttyUSB\(index)", syspath = "\(port)/tty/\(name)"
        var properties = commonProperties(syspath, "tty", name, &random)
        properties.merge(["DEVNAME": "/dev/\(name)", "MAJOR": "188", "MINOR": String(index % 256), "ID_BUS": "usb",
                          "ID_VENDOR_ID": vendor, "ID_MODEL_ID": product, "ID_SERIAL": "FTDI_\(index)"]) { $1 }
        let ancestors = [AncestorFacts(syspath: port, subsystem: "usb-serial", sysname: name, driver: "ftdi_sio")] + chain
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "tty", sysname: name,
                           devnode: "/dev/\(name)", properties: properties, tags: ["systemd"], ancestors: ancestors)
    case 2: // veth: no parents
        let name = "veth\(index)", syspath = "/sys/devices/virtual/net/\(name)"
        var properties = commonProperties(syspath, "net", name, &random)
        properties.merge(["INTERFACE": name, "IFINDEX": String(index + 2), "ID_NET_DRIVER": "veth"]) { $1 }
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "net", sysname: name,
                           properties: properties, attributes: ["address": mac(&random)], ifindex: Int32(index + 2))
    case 3: // USB disk: block sdX <- scsi disk <- target <- host <- interface (usb-storage) <- usb_device ...
        let (parent, chain) = usbChain(port: port, vendor: vendor, product: product, interfaceDriver: "usb-storage", random: &random)
        let name = "sd\(index)", scsi = "\(parent)/host\(index)/target\(index):0:0/\(index):0:0:0", syspath = "\(scsi)/block/\(name)"
        var properties = commonProperties(syspath, "block", name, &random)
        properties.merge(["DEVNAME": "/dev/\(name)", "DEVTYPE": "disk", "ID_BUS": "usb", "ID_SERIAL_SHORT": "SER\(index % 1000)",
                          "ID_FS_TYPE": "vfat", "ID_PART_TABLE_TYPE": "dos"]) { $1 }
        let ancestors = [AncestorFacts(syspath: scsi, subsystem: "scsi", devtype: "scsi_device", sysname: "\(index):0:0:0", driver: "sd"),
                         AncestorFacts(syspath: "\(parent)/host\(index)", subsystem: "scsi", devtype: "scsi_host", sysname: "host\(index)")]
            + chain
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "block", devtype: "disk", sysname: name,
                           devnode: "/dev/\(name)", properties: properties, tags: ["systemd"], ancestors: ancestors)
    case 4: // USB keyboard: input eventN <- inputN <- interface (usbhid) <- usb_device ...
        let (parent, chain) = usbChain(port: port, vendor: vendor, product: product, interfaceDriver: "usbhid", random: &random)
        let input = "\(parent)/0003:\(vendor.uppercased()):\(product.uppercased()).0001/input/input\(index)"
        let name = "event\(index)", syspath = "\(input)/\(name)"
        var properties = commonProperties(syspath, "input", name, &random)
        properties.merge(["DEVNAME": "/dev/input/\(name)", "ID_INPUT": "1", "ID_INPUT_KEYBOARD": index % 12 == 4 ? "1" : "0",
                          "ID_BUS": "usb", "ID_VENDOR_ID": vendor]) { $1 }
        let ancestors = [AncestorFacts(syspath: input, subsystem: "input", sysname: "input\(index)")] + chain
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "input", sysname: name,
                           devnode: "/dev/input/\(name)", properties: properties, tags: ["systemd", "seat", "uaccess"],
                           ancestors: ancestors)
    default: // PCI NIC: net enpNs0 <- pci device (e1000e) <- pci bridge
        let name = "enp\(index % 200)s0", pci = "/sys/devices/pci0000:00/0000:00:1c.0/0000:\(hex2(index % 200)):00.0"
        let syspath = "\(pci)/net/\(name)"
        var properties = commonProperties(syspath, "net", name, &random)
        properties.merge(["INTERFACE": name, "IFINDEX": String(index + 2), "ID_NET_DRIVER": "e1000e", "ID_BUS": "pci",
                          "ID_PATH": "pci-0000:\(hex2(index % 200)):00.0", "ID_NET_NAME_PATH": name]) { $1 }
        let ancestors = [AncestorFacts(syspath: pci, subsystem: "pci", sysname: "0000:\(hex2(index % 200)):00.0", driver: "e1000e",
                                       attributes: ["vendor": "0x8086"]),
                         AncestorFacts(syspath: "/sys/devices/pci0000:00/0000:00:1c.0", subsystem: "pci", sysname: "0000:00:1c.0",
                                       driver: "pcieport")]
        return DeviceFacts(syspath: syspath, devpath: String(syspath.dropFirst(4)), subsystem: "net", sysname: name,
                           properties: properties, tags: ["systemd"], attributes: ["address": mac(&random)],
                           ancestors: ancestors, ifindex: Int32(index + 2))
    }
}

// MARK: - Allocation counter (bench/malloc-count.c, when preloaded)

func allocations() -> UInt? {
    dlsym(nil, "bench_malloc_count").map { $0.assumingMemoryBound(to: UInt.self).pointee }
}

// MARK: - Run

var rounds = 7
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--rounds", let value = arguments.popFirst().flatMap(Int.init), value > 0 { rounds = value }
}

var random = Random(state: 0x686F_7470_6C75_6764)
let bindingCount = 200, deviceCount = 10_000
let sources = (0..<bindingCount).map { index in
    ConfigSource(path: "/etc/hotplugd/bench-\(index < 10 ? "00" : index < 100 ? "0" : "")\(index).toml",
                 text: bindingText(index, &random))
}
let configuration: Configuration
switch ConfigLoader.load(sources) {
case .success(let loaded): configuration = loaded
case .failure(let errors):
    for diagnostic in errors.diagnostics { print(diagnostic.description) }
    exit(1)
}
let devices = (0..<deviceCount).map { device($0, &random) }
let tracker = EventTracker(configuration: configuration)

/// One event per device, as the daemon handles an add.
@inline(never)
func pass(_ tracker: EventTracker, _ devices: [DeviceFacts]) -> Int {
    var matched = 0
    // By index: `for device in devices` would copy (and reference-count)
    // every DeviceFacts, a cost of this loop and not of matching.
    for index in devices.indices { matched &+= tracker.matchingBindings(devices[index]).count }
    return matched
}

let matchesPerPass = pass(tracker, devices) // also the warm-up
let clock = ContinuousClock()
var perDevice: [Double] = []
var spent = Duration.zero
// At least 3 rounds; past 4 s of measuring, stop early (a slow build).
for round in 0..<rounds where round < 3 || spent < .seconds(4) {
    let elapsed = clock.measure { precondition(pass(tracker, devices) == matchesPerPass) }
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    perDevice.append(nanoseconds / Double(deviceCount))
    spent += elapsed
}
perDevice.sort()

// Allocations per event, split by whether the event matched any binding.
let matchedDevices = devices.filter { !tracker.matchingBindings($0).isEmpty }
let unmatchedDevices = devices.filter { tracker.matchingBindings($0).isEmpty }
func allocationsPerEvent(_ tracker: EventTracker, _ subset: [DeviceFacts]) -> String {
    guard !subset.isEmpty, let before = allocations() else { return "null" }
    let matched = pass(tracker, subset)
    let after = allocations()!
    precondition(matched >= 0)
    return String(Double(after - before) / Double(subset.count))
}

func number(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
print("""
    {"devices": \(deviceCount), "bindings": \(bindingCount), "rounds": \(perDevice.count), \
    "matches_per_pass": \(matchesPerPass), "matched_devices": \(matchedDevices.count), \
    "ns_per_device_median": \(number(perDevice[perDevice.count / 2])), "ns_per_device_min": \(number(perDevice[0])), \
    "allocations_per_matched_event": \(allocationsPerEvent(tracker, matchedDevices)), \
    "allocations_per_unmatched_event": \(allocationsPerEvent(tracker, unmatchedDevices))}
    """)
