import Testing
@testable import HotplugCore

/// The index only proposes candidates; it must never leave out a binding
/// that the plain scan over every binding finds, nor change their order.
@Suite struct MatchIndexTests {
    // Small pools, so that bindings and devices meet often.
    static let subsystems = ["net", "tty", "usb", "block"]
    static let vendors = ["067b", "0403", "0bda", "1d6b", "06"]
    static let names = ["usb0", "usb1", "enx02aa", "ttyUSB0", "eth0", "é", "e\u{301}", "tty-x", "a?b", "a\\b"]
    static let macs = ["02:aa:00:00:00:01", "02:ab:00:00:00:02", "f6:90:6c:87:82:53", ""]
    static let manufacturers = ["Prolific", "Prolific ", "Prolific\n", "FTDI", "Realtek Semi", "Foo [TM]", "*", ""]

    /// A pattern list for one key: literals, prefix globs, other globs,
    /// negations and empty strings, alone or several.
    static func patterns(_ pool: [String], _ random: inout SeededGenerator) -> PatternList {
        var sources: [String] = []
        for _ in 0...(random.next() % 3) {
            let value = random.pick(pool)
            switch random.next() % 9 {
            // Escaped literals match the unescaped string: every character,
            // or only the glob's own metacharacters.
            case 7: sources.append(value.map { "\\\($0)" }.joined())
            case 8: sources.append(value.map { "*?[]\\!".contains($0) ? "\\\($0)" : String($0) }.joined())
            case 0: sources.append(String(value.prefix(2)) + "*")
            case 1: sources.append("!" + value)
            case 2: sources.append("*" + String(value.suffix(1)))
            case 3: sources.append(String(value.prefix(1)) + "?" + "*")
            default: sources.append(value)
            }
        }
        return PatternList(sources)
    }

    static func rules(_ random: inout SeededGenerator) -> MatchRules {
        var rules = MatchRules(subsystem: random.chance(85) ? PatternList([random.pick(subsystems)]) : patterns(subsystems, &random))
        if random.chance(30) { rules.kernel = patterns(names, &random) }
        if random.chance(20) { rules.devtype = patterns(["usb_device", "disk", ""], &random) }
        if random.chance(40) { rules.usbVendor = patterns(vendors, &random) }
        if random.chance(20) { rules.usbProduct = patterns(["25a1", "6001", "8153"], &random) }
        if random.chance(10) { rules.usbSerial = patterns(["GL0001", "A1", ""], &random) }
        if random.chance(25) { rules.mac = patterns(macs, &random) }
        if random.chance(20) { rules.path = patterns(["pci-0000:00:14.0-usb-0:2:1.0", "platform-x"], &random) }
        if random.chance(30) { rules.properties = [KeyedPatterns(key: "ID_NET_DRIVER", patterns: patterns(["plusb", "veth", ""], &random))] }
        if random.chance(25) { rules.attributes = [KeyedPatterns(key: "manufacturer", patterns: patterns(manufacturers, &random))] }
        if random.chance(10) { rules.tag = patterns(["systemd", "hotplugd"], &random) }
        if random.chance(10) { rules.driver = patterns(["plusb", "ftdi_sio", "usb"], &random) }
        return rules
    }

    static func device(_ random: inout SeededGenerator) -> DeviceFacts {
        var ancestors: [AncestorFacts] = []
        if random.chance(70) {
            var usb = ["idVendor": random.pick(vendors), "idProduct": random.pick(["25a1", "6001"])]
            if random.chance(50) { usb["serial"] = random.pick(["GL0001", "A1B2"]) }
            if random.chance(60) { usb["manufacturer"] = random.pick(manufacturers) }
            ancestors.append(AncestorFacts(syspath: "/sys/devices/usb1/1-2/1-2:1.0", subsystem: "usb", devtype: "usb_interface",
                                           sysname: "1-2:1.0", driver: random.pick(["plusb", "ftdi_sio"]),
                                           attributes: random.chance(30) ? ["manufacturer": random.pick(manufacturers)] : [:]))
            ancestors.append(AncestorFacts(syspath: "/sys/devices/usb1/1-2", subsystem: "usb", devtype: "usb_device",
                                           sysname: "1-2", driver: "usb", attributes: usb))
        }
        var properties: [String: String] = [:]
        if random.chance(60) { properties["ID_NET_DRIVER"] = random.pick(["plusb", "veth"]) }
        if random.chance(50) { properties["ID_PATH"] = random.pick(["pci-0000:00:14.0-usb-0:2:1.0", "platform-x"]) }
        let name = random.pick(names)
        return DeviceFacts(syspath: "/sys/devices/x/\(name)", devpath: "/devices/x/\(name)", subsystem: random.pick(subsystems),
                           devtype: random.chance(50) ? random.pick(["usb_device", "disk"]) : nil, sysname: name,
                           properties: properties, tags: random.chance(50) ? ["systemd"] : [],
                           attributes: random.chance(60) ? ["address": random.pick(macs)] : [:], ancestors: ancestors)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func indexAgreesWithScanningEveryBinding(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let bindings = (0..<60).map { Binding(name: "b\($0)", file: "b\($0).toml", match: Self.rules(&random)) }
        let table = MatchTable(bindings)
        var matchedSomething = 0
        for _ in 0..<2000 {
            let device = Self.device(&random)
            let indexed = table.matching(device), scanned = table.matchingByScan(device)
            // The explained matcher is the reference for the compiled one.
            let explained = bindings.indices.filter { Matcher.verdict(bindings[$0].match, device).matched }
            #expect(indexed == scanned, "seed \(seed), device \(device.sysname) on \(device.subsystem)")
            #expect(scanned == explained, "seed \(seed), device \(device.sysname) on \(device.subsystem)")
            if indexed != scanned || scanned != explained { return }
            if !scanned.isEmpty { matchedSomething += 1 }
        }
        // The pools are small enough that the comparison is not vacuous.
        #expect(matchedSomething > 100)
    }

    @Test func escapedLiteralsAreFiledAndMonitoredUnescaped() {
        // `n\et` is the literal "net"; `Foo \[TM\]` is "Foo [TM]".
        let binding = Binding(name: "escaped", file: "e.toml",
                              match: MatchRules(subsystem: PatternList(["n\\et"]),
                                                attributes: [KeyedPatterns(key: "product", patterns: PatternList(["Foo \\[TM\\]"]))]))
        #expect(Configuration(bindings: [binding]).monitoredSubsystems == ["net"])
        let device = DeviceFacts(syspath: "/sys/x", devpath: "/x", subsystem: "net", sysname: "x", attributes: ["product": "Foo [TM]"])
        let table = MatchTable([binding])
        #expect(table.matching(device) == [0])
        #expect(table.factNeeds(subsystem: "net", sysname: "x") != nil)
    }

    @Test func prefixAndLiteralPatternsAreFiledNotScanned() {
        let bindings = [
            Binding(name: "vendor", file: "a.toml", match: MatchRules(subsystem: PatternList(["net"]), usbVendor: PatternList(["067b"]))),
            Binding(name: "mac", file: "b.toml", match: MatchRules(subsystem: PatternList(["net"]), mac: PatternList(["02:aa:*", "!02:aa:00:00:00:01"]))),
        ]
        let index = MatchIndex(MatchTable(bindings).entries)
        let other = DeviceFacts(syspath: "/sys/x", devpath: "/x", subsystem: "net", sysname: "x", attributes: ["address": "f6:00:00:00:00:00"])
        #expect(index.candidates(other, Matcher.EventView(other)).isEmpty)
        let gamelink = DeviceFacts(syspath: "/sys/y", devpath: "/y", subsystem: "net", sysname: "y", attributes: ["address": "02:aa:00:00:00:02"])
        #expect(index.candidates(gamelink, Matcher.EventView(gamelink)) == [1])
    }

    @Test func filesUnderTheMostSelectiveKeyEvenWhenAPrefix() {
        // A literal devtype comes last in selectivity: every disk has it.
        let binding = Binding(name: "stick", file: "s.toml",
                              match: MatchRules(subsystem: PatternList(["block"]), devtype: PatternList(["disk"]),
                                                usbSerial: PatternList(["SER12*"])))
        #expect(MatchIndex.filing(binding.match)?.key == .usbSerial)
        let index = MatchIndex(MatchTable([binding]).entries)
        func disk(serial: String) -> DeviceFacts {
            DeviceFacts(syspath: "/sys/d", devpath: "/d", subsystem: "block", devtype: "disk", sysname: "sda",
                        ancestors: [AncestorFacts(syspath: "/sys/u", subsystem: "usb", devtype: "usb_device", sysname: "1-1",
                                                  attributes: ["idVendor": "0781", "idProduct": "5581", "serial": serial])])
        }
        let other = disk(serial: "XYZ"), stick = disk(serial: "SER123")
        #expect(index.candidates(other, Matcher.EventView(other)).isEmpty)
        #expect(index.candidates(stick, Matcher.EventView(stick)) == [0])
    }
}
