/// `hotplugd rules`: udev rules that tag every device a binding can match, so
/// `hotplugd run --tag T` lets the kernel drop every other event, and that
/// give a fixed `[link] name` at udev time (NAME=). Pure: the configuration
/// in, the rules text (or every reason it cannot be written) out.
///
/// The rules match what the bindings match, key for key, or the binding is
/// refused (`UdevRulesError`): a missing tag hides a device from
/// `run --tag`, and a NAME= on the wrong device renames it. What remains
/// outside their control, and is said in the header: they see only the
/// properties and tags that rules before them set, udev drops trailing
/// whitespace from sysfs values before comparing ATTRS{}, and usb_id reads
/// serials with whitespace or odd characters as something else.
public enum UdevRulesGenerator {
    public static let defaultTag = "hotplugd"
    /// The file name the header suggests: after udev's own rules (80-*, which
    /// set ID_PATH, ID_NET_DRIVER and the ID_USB_* ids), before
    /// 99-systemd.rules (which names device units after the final NAME).
    public static let suggestedFile = "/etc/udev/rules.d/90-hotplugd-bindings.rules"
    static let marker = "ENV{.HOTPLUGD_MATCH}"
    static let endLabel = "hotplugd_end"

    public static func rules(for configuration: Configuration, configPath: String,
                             tag: String = defaultTag) throws(UdevRulesErrors) -> String {
        var errors: [UdevRulesError] = []
        if let problem = tagProblem(tag) {
            errors.append(UdevRulesError(file: "command line", binding: "", key: "--tag", message: problem))
        }
        var blocks: [[String]] = []
        for binding in configuration.bindings {
            switch block(for: binding, tag: tag) {
            case .success(let lines): blocks.append(lines)
            case .failure(let refused): errors += refused.errors
            }
        }
        guard errors.isEmpty else { throw UdevRulesErrors(errors) }
        var lines = header(configPath: configPath, tag: tag, count: configuration.bindings.count)
        lines.append("ACTION==\"remove\", GOTO=\"\(endLabel)\"")
        for block in blocks { lines += [""] + block }
        lines += ["", "LABEL=\"\(endLabel)\""]
        return lines.joined(separator: "\n") + "\n"
    }

    static func header(configPath: String, tag: String, count: Int) -> [String] {
        [
            "# udev rules for the \(count) hotplugd binding(s) in \(configPath), written by `hotplugd rules`.",
            "# Every device a binding can match gets the udev tag \"\(tag)\", so that",
            "#     hotplugd run --tag \(tag)",
            "# has the kernel drop every other device event; a binding with a fixed [link]",
            "# name also gets its interface named here, when it appears (NAME=).",
            "#",
            "# Install, and tag the devices already present:",
            "#     hotplugd rules --config \(configPath) > \(suggestedFile)",
            "#     udevadm control --reload",
            "#     udevadm trigger --action=change",
            "# Numbered 90, the rules run after udev's own, which set ID_PATH, ID_NET_DRIVER",
            "# and the ID_USB_* ids (udev 252 or later) they compare, and before",
            "# 99-systemd.rules. They see only the properties and tags that rules before",
            "# them set: a binding's `tag` and SYSTEMD_* properties (set later) are left",
            "# out, so such a binding tags a few more devices, which hotplugd then checks.",
            "# udev's usb_id turns whitespace and unusual characters in a serial",
            "# into '_'; hotplugd compares the serial as sysfs has it.",
            "# Regenerate the file whenever the bindings change.",
        ]
    }

    /// udev keeps tags as file names under /run/udev/tags/, so a tag is at
    /// most NAME_MAX (255) bytes; `run --tag` checks it too, before starting.
    public static func tagProblem(_ tag: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.".unicodeScalars)
        if tag.isEmpty || tag == "." || tag == ".." || !tag.unicodeScalars.allSatisfy(allowed.contains) {
            return "'\(Printable.escaped(tag))' is not a udev tag; use letters, digits, '_', '-' and '.'"
        }
        if tag.utf8.count > 255 {
            return "a udev tag is at most 255 bytes (a file name under /run/udev/tags), not \(tag.utf8.count)"
        }
        return nil
    }

    static func block(for binding: Binding, tag: String) -> Result<[String], UdevRulesErrors> {
        func error(_ key: String, _ message: String) -> UdevRulesError {
            UdevRulesError(file: binding.file, binding: binding.name, key: key, message: message)
        }
        var errors: [UdevRulesError] = []
        let stages: [UdevMatchStage]
        switch UdevMatchStages.stages(for: binding.match) {
        case .success(let made): stages = made
        case .failure(let refusals):
            stages = []
            errors += refusals.list.map { error($0.key, $0.message) }
        }
        var comment: [String] = []
        let late = UdevRuleTiming.lateKeys(binding.match)
        if !late.isEmpty {
            comment.append("# \(late.joined(separator: ", ")): set by udev after this file (tags up to 99-systemd.rules), so not tested here; hotplugd tests it.")
        }
        var name: String?
        if let template = binding.link?.name {
            if template.hasIndex {
                comment.append("# [link] name \(template): hotplugd names it; udev cannot pick the lowest free index.")
            } else if let bad = template.prefix.unicodeScalars.first(where: { "$\"\\".unicodeScalars.contains($0) }) {
                errors.append(error("[link] name", "'\(template.prefix)' contains '\(bad)', which udev's NAME= would substitute or unescape"))
            } else if let key = late.first {
                // NAME= on the wider match would rename other devices.
                comment.append("# [link] name \(template): hotplugd names it; a NAME= here cannot test \(key).")
            } else if let kernel = binding.match.kernel, !kernel.matches(template.prefix) {
                // udevd broadcasts the add after renaming, so hotplugd's
                // `kernel` sees the new name and the binding would not match.
                errors.append(error("[link] name", "udev would rename the interface to '\(template.prefix)' before hotplugd sees it, and [match] kernel \(kernel) does not match that name; add it to kernel"))
            } else {
                name = template.prefix
            }
        }
        guard errors.isEmpty else { return .failure(UdevRulesErrors(errors)) }

        let assignTag = ["TAG+=\(UdevRuleText.quoted(tag))"]
        let assignName = name.map { ["ACTION==\"add\"", "NAME=\(UdevRuleText.quoted($0))"] }
        let chained = chain(binding.name, stages, assignments: [assignTag] + (assignName.map { [$0] } ?? []))
        return .success(["# \(binding.name) (\(binding.file))"] + comment + chained)
    }

    /// The lines that run `assignments` (each a line's worth of tokens) on
    /// a device that passes every stage: one line each where one match line
    /// says it all, else a chain of steps kept in ENV{.HOTPLUGD_MATCH}.
    /// `marker` holds the step: a file of its own needs one of its own, or
    /// the steps another file left would count in it.
    static func chain(_ name: String, _ stages: [UdevMatchStage], assignments: [[String]],
                      marker: String = UdevRulesGenerator.marker) -> [String] {
        if stages.count == 1, stages[0].setup.isEmpty, stages[0].lines.count == 1 {
            // A single line: the plain form a person would write.
            let tokens = stages[0].lines[0].tokens
            return assignments.map { join(tokens + $0) }
        }
        var lines: [String] = []
        func step(_ index: Int) -> String { UdevRuleText.quoted("\(name):\(index)") }
        for (offset, stage) in stages.enumerated() {
            let guardToken = offset == 0 ? [] : [marker + "==" + step(offset)]
            if !stage.setup.isEmpty { lines.append(join(guardToken + stage.setup)) }
            for line in stage.lines {
                let outcome = line.passes ? step(offset + 1) : UdevRuleText.quoted("\(name):no")
                lines.append(join(guardToken + line.tokens + [marker + "=" + outcome]))
            }
        }
        let done = marker + "==" + step(stages.count)
        return lines + assignments.map { join([done] + $0) }
    }

    static func join(_ tokens: [String]) -> String { tokens.joined(separator: ", ") }
}
