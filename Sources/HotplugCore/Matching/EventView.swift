extension Matcher {
    /// What several keys read from the device's dictionaries, looked up
    /// once per event rather than once per binding, and only the parts some
    /// candidate binding uses (`Parts`): each is a dictionary lookup.
    struct EventView {
        struct Parts: OptionSet, Sendable {
            let rawValue: UInt8
            /// idVendor, idProduct and serial of the nearest usb_device,
            /// each read only where some binding uses it.
            static let usbVendor = Parts(rawValue: 1)
            static let usbProduct = Parts(rawValue: 2)
            static let usbSerial = Parts(rawValue: 4)
            static let mac = Parts(rawValue: 8)
            static let path = Parts(rawValue: 16)
            static let usb: Parts = [.usbVendor, .usbProduct, .usbSerial]
            static let all: Parts = [.usb, .mac, .path]

            /// The parts one binding's rules read.
            init(_ rules: MatchRules) {
                var parts: Parts = []
                if rules.usbVendor != nil { parts.insert(.usbVendor) }
                if rules.usbProduct != nil { parts.insert(.usbProduct) }
                if rules.usbSerial != nil { parts.insert(.usbSerial) }
                if rules.mac != nil { parts.insert(.mac) }
                if rules.path != nil { parts.insert(.path) }
                self = parts
            }

            init(rawValue: UInt8) { self.rawValue = rawValue }
        }

        /// Whether the chain has a usb_device and some candidate reads it;
        /// when not, the usb-* keys fail whatever they want.
        let hasUSBDevice: Bool
        /// idVendor, idProduct and serial of the nearest usb_device. Plain
        /// fields, not an optional struct of them: each check that read one
        /// copied (and reference-counted) all three.
        let usbVendor: String, usbProduct: String, usbSerial: String
        let mac: String
        let path: String

        /// Borrowing: an initializer otherwise takes its argument owned,
        /// and every event paid for a copy of the whole DeviceFacts.
        @inline(never)
        init(_ device: borrowing DeviceFacts, parts: Parts = .all) {
            // Each field assigned once: filling in a default-initialized
            // view copied and destroyed the whole of it on return.
            let usb = parts.isDisjoint(with: .usb) ? nil : Self.nearestUSBDevice(device)
            hasUSBDevice = usb != nil
            usbVendor = parts.contains(.usbVendor) ? Self.attribute("idVendor", of: usb, device) : ""
            usbProduct = parts.contains(.usbProduct) ? Self.attribute("idProduct", of: usb, device) : ""
            usbSerial = parts.contains(.usbSerial) ? Self.attribute("serial", of: usb, device) : ""
            mac = parts.contains(.mac) ? device.attributes.value(for: "address") ?? "" : ""
            path = parts.contains(.path) ? device.properties["ID_PATH"] ?? "" : ""
        }

        /// Where the nearest usb_device is: the device itself (-1) or the
        /// ancestor at that index. A position, not its attributes: handing
        /// the dictionary out retained it, the first touch of that memory,
        /// and a retain is an atomic instruction, which waits out the miss.
        private static func nearestUSBDevice(_ device: borrowing DeviceFacts) -> Int? {
            if device.devtype == "usb_device" && device.subsystem == "usb" { return -1 }
            // Indexes rather than `for ancestor in`: reading fields in
            // place copies (and reference-counts) no whole AncestorFacts.
            for index in device.ancestors.indices where isUSBDevice(device.ancestors[index]) { return index }
            return nil
        }

        /// The devtype first: most links of a chain have none, and nil
        /// fails without a string comparison, where every "pci" or "net"
        /// compared with "usb" was a call into the standard library.
        private static func isUSBDevice(_ ancestor: borrowing AncestorFacts) -> Bool {
            ancestor.devtype == "usb_device" && ancestor.subsystem == "usb"
        }

        private static func attribute(_ name: String, of position: Int?, _ device: borrowing DeviceFacts) -> String {
            guard let position else { return "" }
            let value = position < 0 ? device.attributes.value(for: name) : device.ancestors[position].attributes.value(for: name)
            return value ?? ""
        }
    }
}
