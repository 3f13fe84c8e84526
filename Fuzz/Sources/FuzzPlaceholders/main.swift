import FuzzSupport
import HotplugCore

/// The first line is a template (as in `command`); the rest are hostile
/// device properties. Expansion must yield exactly one string per template
/// and never re-expand placeholders found in device values.
runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    guard let first = lines.first, let template = try? Template(parsing: String(first)) else { return 0 }
    let value = lines.count > 1 ? String(lines[1]) : ""
    let device = DeviceFacts(
        syspath: "/sys/devices/virtual/net/" + value, devpath: "/devices/virtual/net/" + value,
        subsystem: "net", sysname: value, devnode: value,
        properties: ["ID_X": value, "INTERFACE": value], attributes: ["address": value],
        ancestors: [AncestorFacts(syspath: "/sys/devices/usb", subsystem: "usb", devtype: "usb_device", sysname: "1-1",
                                  attributes: ["idVendor": value, "serial": value])])
    let expanded = PlaceholderValues(device: device, bindingName: "fuzz", interface: value).expand(template)
    if !template.source.contains("{") && !template.source.contains("}") && expanded != template.source {
        fatalError("a template without placeholders changed: \(template.source) -> \(expanded)")
    }
    _ = try? InterfaceNameTemplate(parsing: String(first))
    return 0
}
