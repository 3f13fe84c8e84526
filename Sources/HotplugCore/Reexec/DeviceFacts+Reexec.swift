/// A device's kept facts in the re-exec state: read once at add, they cannot
/// be read again (see `DeviceFacts`), so the new image gets them as they were.
extension DeviceFacts {
    static let maximumEntries = 4096

    var reexecJSON: JSONValue {
        .object([
            ("syspath", .string(syspath)), ("devpath", .string(devpath)), ("subsystem", .string(subsystem)),
            ("devtype", .optional(devtype)), ("sysname", .string(sysname)), ("devnode", .optional(devnode)),
            ("driver", .optional(driver)), ("properties", .stringMap(properties)),
            ("tags", .array(tags.sorted().map(JSONValue.string))), ("attributes", .stringMap(attributes)),
            ("ancestors", .array(ancestors.map(\.reexecJSON))), ("ifindex", .optionalInt(ifindex)),
            ("dropped_properties", .array(droppedProperties.map(JSONValue.string))),
            ("devpath_bytes", rawDevpath.map { .array($0.map { .int(Int64($0)) }) } ?? .null),
        ])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        var ancestors: [AncestorFacts] = []
        for item in try reader.field("ancestors").array(upTo: 256) { ancestors.append(try AncestorFacts(reexec: item)) }
        self.init(syspath: try reader.field("syspath").string(), devpath: try reader.field("devpath").string(),
                  subsystem: try reader.field("subsystem").string(), devtype: try reader.optional("devtype")?.string(),
                  sysname: try reader.field("sysname").string(), devnode: try reader.optional("devnode")?.string(),
                  driver: try reader.optional("driver")?.string(),
                  properties: try reader.field("properties").stringMap(upTo: Self.maximumEntries),
                  tags: Set(try reader.field("tags").strings(upTo: Self.maximumEntries)),
                  attributes: try reader.field("attributes").stringMap(upTo: Self.maximumEntries),
                  ancestors: ancestors,
                  ifindex: try reader.optional("ifindex").map { reader throws(ReexecStateError) in Int32(try reader.int(1...Int64(Int32.max))) })
        droppedProperties = try reader.field("dropped_properties").strings(upTo: Self.maximumEntries)
        // Absent in the state of an image before identity was kept as bytes.
        if case .object(let members) = reader.value, members.contains(where: { $0.0 == "devpath_bytes" }),
           let bytes = try reader.optional("devpath_bytes") {
            var raw: [UInt8] = []
            for item in try bytes.array(upTo: 4096) { raw.append(UInt8(try item.int(1...255))) }
            setDevpath(bytes: raw)
        }
        guard devpath.hasPrefix("/"), !sysname.isEmpty else { throw ReexecStateError("\(reader.path) is not a device") }
    }
}

extension AncestorFacts {
    var reexecJSON: JSONValue {
        .object([
            ("syspath", .string(syspath)), ("subsystem", .optional(subsystem)), ("devtype", .optional(devtype)),
            ("sysname", .string(sysname)), ("driver", .optional(driver)), ("attributes", .stringMap(attributes)),
        ])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init(syspath: try reader.field("syspath").string(), subsystem: try reader.optional("subsystem")?.string(),
                  devtype: try reader.optional("devtype")?.string(), sysname: try reader.field("sysname").string(),
                  driver: try reader.optional("driver")?.string(),
                  attributes: try reader.field("attributes").stringMap(upTo: DeviceFacts.maximumEntries))
    }
}
