/// One step of a binding's udev rule chain. Its lines are tried in order,
/// each only while the chain is at the previous step; the first that matches
/// moves the chain on (or, for a line that does not `pass`, stops it).
///
/// Steps exist because of one udev rule: all parent keys of a line
/// (DRIVERS, ATTRS{}, SUBSYSTEMS) must match on the *same* ancestor, while
/// hotplugd checks `driver` and each `[match.attribute]` key on the chain
/// independently. So every parent-walking key gets a line, and a step, of
/// its own.
struct UdevMatchStage: Sendable, Equatable {
    struct Line: Sendable, Equatable {
        var tokens: [String]
        var passes = true
    }

    /// Tokens run before the lines, at the same step (importing usb_id).
    var setup: [String] = []
    var lines: [Line]
}

/// `[match]` as udev rule steps, key by key, with hotplugd's semantics:
/// a fact the device lacks is the empty string; `driver` and
/// `[match.attribute]` pass when one device of the chain passes; the `usb-*`
/// keys read the nearest USB device, as udev's usb_id builtin does.
enum UdevMatchStages {
    struct Refusal: Error, Sendable, Equatable {
        var key: String
        var message: String
    }

    /// Every key of one binding that udev cannot express.
    struct Refusals: Error, Sendable, Equatable {
        var list: [Refusal]
    }

    /// `lastRules`: the rules run after every other rule file (the
    /// unmanaged marks, `UnmanagedRules`), where tags and SYSTEMD_* are set
    /// and a NAME= of an earlier rule is known, so `kernel` is matched as
    /// hotplugd matches it: against the name udev gives the interface.
    /// `ownName`: with `lastRules`, a udev glob for the names hotplugd gives
    /// the interface, which `kernel` also passes (see `renamedKernelStage`).
    static func stages(for rules: MatchRules, lastRules: Bool = false, ownName: String? = nil) -> Result<[UdevMatchStage], Refusals> {
        var refusals: [Refusal] = []
        var own: [String] = []
        func add(_ key: String, _ udevKey: String, _ list: PatternList?) {
            guard let list else { return }
            switch UdevRuleText.tokens(udevKey, list) {
            case .success(let tokens): own += tokens
            case .failure(let refusal): refusals.append(Refusal(key: key, message: refusal.message))
            }
        }
        add("[match] subsystem", "SUBSYSTEM", rules.subsystem)
        add("[match] devtype", "ENV{DEVTYPE}", rules.devtype)
        if !lastRules { add("[match] kernel", "KERNEL", rules.kernel) }
        if let mac = rules.mac, mac.matches("") {
            refusals.append(Refusal(key: "[match] mac", message: "\(mac) also matches a device without an address, and udev's ATTR{address} never does"))
        } else {
            add("[match] mac", "ATTR{address}", rules.mac)
        }
        add("[match] path", "ENV{ID_PATH}", rules.path)
        if let tag = rules.tag, let glob = tag.patterns.map(\.glob).first(where: { $0.matches("") }) {
            refusals.append(Refusal(key: "[match] tag", message: "'\(glob.text)' matches the empty string, which hotplugd tests for a device without tags and udev's TAG never does"))
        } else if lastRules, let tag = rules.tag {
            if tag.negatives.isEmpty {
                add("[match] tag", "TAG", tag)
            } else {
                refusals.append(Refusal(key: "[match] tag", message: "a negated tag pattern has no exact udev form (TAG!= tests each tag on its own)"))
            }
        }
        // Tags, and the properties 99-systemd.rules sets, are not there yet
        // at 90: left out of the rule (see UdevRuleTiming).
        for property in rules.properties where lastRules || !UdevRuleTiming.isLate(property: property.key) {
            add("[match.property] \(property.key)", "ENV{\(property.key)}", property.patterns)
        }
        var stages = [UdevMatchStage(lines: [.init(tokens: own)])]
        if lastRules, let kernel = rules.kernel {
            switch renamedKernelStage(kernel, ownName: ownName) {
            case .success(let stage): stages.append(stage)
            case .failure(let refusal): refusals.append(Refusal(key: "[match] kernel", message: refusal.message))
            }
        }

        switch usbStage(rules) {
        case .success(let stage?): stages.append(stage)
        case .success(nil): break
        case .failure(let refusal): refusals.append(refusal)
        }
        if let driver = rules.driver {
            switch driverStage(driver) {
            case .success(let stage): stages.append(stage)
            case .failure(let refusal): refusals.append(Refusal(key: "[match] driver", message: refusal.message))
            }
        }
        for attribute in rules.attributes {
            switch attributeStage(attribute) {
            case .success(let stage): stages.append(stage)
            case .failure(let refusal): refusals.append(Refusal(key: "[match.attribute] \(attribute.key)", message: refusal.message))
            }
        }
        return refusals.isEmpty ? .success(stages) : .failure(Refusals(list: refusals))
    }

    // MARK: kernel, after every rule

    /// hotplugd matches `kernel` against the name the interface has when
    /// udev announces it: the NAME= of a rule (80-net-setup-link's
    /// predictable name) where one was set, else the kernel's. udev's KERNEL
    /// stays the kernel's name until the rename at the end, so the name
    /// set so far is tried first and KERNEL only where none was set.
    ///
    /// udev runs the rules again on the move event of hotplugd's own rename
    /// (and on every later change), and a property set by a rule is kept
    /// only if a rule sets it again: so the name hotplugd gave (`ownName`,
    /// `gamelink[0-9]*`) passes too, or the mark would go at the rename.
    static func renamedKernelStage(_ list: PatternList, ownName: String? = nil) -> Result<UdevMatchStage, UdevRuleText.Refusal> {
        let renamed: [String], kernel: [String]
        switch (UdevRuleText.tokens("NAME", list), UdevRuleText.tokens("KERNEL", list)) {
        case (.success(let byName), .success(let byKernel)): (renamed, kernel) = (byName, byKernel)
        case (.failure(let refusal), _), (_, .failure(let refusal)): return .failure(refusal)
        }
        let own = ownName.map { [UdevMatchStage.Line(tokens: ["KERNEL==" + UdevRuleText.quoted($0)])] } ?? []
        return .success(UdevMatchStage(lines: own + [
            .init(tokens: ["NAME==\"?*\""] + renamed),
            .init(tokens: ["NAME==\"?*\""], passes: false),
            .init(tokens: kernel),
        ]))
    }

    // MARK: usb-vendor, usb-product, usb-serial

    /// Characters udev's usb_id keeps in a serial; it turns the others into '_'.
    static let serialCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789#+-.:=@".unicodeScalars)
    static let globCharacters = Set("*?[]!^".unicodeScalars)

    /// The nearest USB device's ids are what usb_id puts in ID_USB_VENDOR_ID,
    /// ID_USB_MODEL_ID and ID_USB_SERIAL_SHORT (udev 252 and later).
    /// ATTRS{idVendor} would be wrong: it also matches the hubs above the device.
    static func usbStage(_ rules: MatchRules) -> Result<UdevMatchStage?, Refusal> {
        let keys: [(String, String, PatternList?)] = [
            ("usb-vendor", "ENV{ID_USB_VENDOR_ID}", rules.usbVendor),
            ("usb-product", "ENV{ID_USB_MODEL_ID}", rules.usbProduct),
            ("usb-serial", "ENV{ID_USB_SERIAL_SHORT}", rules.usbSerial),
        ]
        let used = keys.filter { $0.2 != nil }
        guard let first = used.first else { return .success(nil) }
        if rules.subsystem.matches("usb"), rules.devtype?.matches("usb_interface") ?? true {
            return .failure(Refusal(key: "[match] \(first.0)", message: "udev's usb_id gives a usb_interface device no ID_USB_* properties, so no rule can test its USB ids; add devtype = \"usb_device\", or use [match.attribute] idVendor/idProduct"))
        }
        var tokens = ["SUBSYSTEMS==\"usb\""]
        for (key, udevKey, list) in used {
            guard let list else { continue }
            if key == "usb-serial", let bad = list.patterns.map(\.glob.text).first(where: { text in
                !text.unicodeScalars.allSatisfy { serialCharacters.contains($0) || globCharacters.contains($0) }
            }) {
                return .failure(Refusal(key: "[match] usb-serial", message: "'\(bad)' has characters udev's usb_id replaces with '_' in ID_USB_SERIAL_SHORT; use only letters, digits, #+-.:=@ and wildcards"))
            }
            switch UdevRuleText.tokens(udevKey, list) {
            case .success(let more): tokens += more
            case .failure(let refusal): return .failure(Refusal(key: "[match] \(key)", message: refusal.message))
            }
        }
        // usb_id already ran for net, tty, block and usb_device events in
        // udev's own rules; importing it again only where it did not.
        let setup = ["SUBSYSTEMS==\"usb\"", "ENV{ID_USB_VENDOR_ID}==\"\"", "IMPORT{builtin}=\"usb_id\""]
        return .success(UdevMatchStage(setup: setup, lines: [.init(tokens: tokens)]))
    }

    // MARK: driver

    /// hotplugd: some driver of the chain passes, or, when no device of the
    /// chain has a driver, the empty string passes. In udev a device without
    /// a driver counts as driver "", so the first line insists on a driver
    /// (same ancestor), the second stops the chain when there are drivers but
    /// none passed, and the third takes the chain without any.
    static func driverStage(_ list: PatternList) -> Result<UdevMatchStage, UdevRuleText.Refusal> {
        let tokens: [String]
        switch UdevRuleText.tokens("DRIVERS", list) {
        case .success(let made): tokens = made
        case .failure(let refusal): return .failure(refusal)
        }
        let needsDriver = list.positives.isEmpty || list.positives.contains { $0.matches("") }
        let some = UdevMatchStage.Line(tokens: (needsDriver ? ["DRIVERS==\"?*\""] : []) + tokens)
        guard list.matches("") else { return .success(UdevMatchStage(lines: [some])) }
        return .success(UdevMatchStage(lines: [
            some,
            .init(tokens: ["DRIVERS==\"?*\""], passes: false),
            .init(tokens: []),
        ]))
    }

    // MARK: [match.attribute]

    /// hotplugd: some device of the chain has the attribute with a value that
    /// passes. ATTRS{} with all its patterns on one line means the same; with
    /// only negations, `=="*"` insists that the attribute is there.
    static func attributeStage(_ attribute: KeyedPatterns) -> Result<UdevMatchStage, UdevRuleText.Refusal> {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-".unicodeScalars)
        let parts = attribute.key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(allowed.contains) }) else {
            return .failure(.init("udev reads '$', '%', '[' and some other characters in an attribute name as substitutions; use letters, digits, _.:- and one '/'"))
        }
        let key = "ATTRS{\(attribute.key)}"
        switch UdevRuleText.tokens(key, attribute.patterns) {
        case .success(let tokens):
            let present = attribute.patterns.positives.isEmpty ? [key + "==\"*\""] : []
            return .success(UdevMatchStage(lines: [.init(tokens: present + tokens)]))
        case .failure(let refusal):
            return .failure(refusal)
        }
    }
}
