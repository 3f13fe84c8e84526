import CNftables
import HotplugCore

/// Adds and deletes the elements of the table's two device maps with
/// nfnetlink messages of its own, one batch (one transaction) per call.
///
/// What plugging or unplugging a device writes is its map element, and
/// through libnftables that costs far more than the change: before each
/// batch nft parses the text, lists every table, chain, set, flowtable and
/// object of the namespace (all of them, the host's ruleset included) and
/// every interface, then sends the one message; measured on an idle
/// 2-core VM, 0.33 ms per element against 0.05 ms for the message alone
/// (the kernel's part). Everything else (chains, rules, the rebuild) still
/// goes through libnftables as text: this type knows the two maps and
/// nothing more. A refused batch (the table, a map or the chain jumped to
/// missing) fails as nft's would, and the stage then rebuilds the table.
final class NftablesElementWriter {
    private let socket: NetlinkSocket

    init() throws(NftablesError) {
        do {
            socket = try NetlinkSocket(protocol: NETLINK_NETFILTER)
        } catch {
            throw NftablesError(error.description)
        }
    }

    func apply(_ changes: [FirewallElementChange]) throws(NftablesError) {
        do {
            try socket.performBatch(Self.batch(changes), operation: "Could not process rule")
        } catch {
            throw NftablesError(error.description)
        }
    }

    // Numbers from linux/netfilter/nfnetlink.h and nf_tables.h (stable ABI).
    static let batchBegin: UInt16 = 0x10  // NFNL_MSG_BATCH_BEGIN
    static let batchEnd: UInt16 = 0x11  // NFNL_MSG_BATCH_END
    static let subsystem: UInt16 = 10  // NFNL_SUBSYS_NFTABLES
    static let newElement: UInt16 = 12  // NFT_MSG_NEWSETELEM
    static let deleteElement: UInt16 = 14  // NFT_MSG_DELSETELEM
    static let familyINET: UInt8 = 1  // NFPROTO_INET
    static let jump: Int32 = -3  // NFT_JUMP

    /// Elements per message: an attribute's length is 16 bits, and an
    /// element with the longest chain name is about 120 bytes.
    static let elementsPerMessage = 256

    /// The transaction: begin, one message per run of adds or deletes in a
    /// map (in the changes' order, which puts a replaced element's delete
    /// before its add; at most `elementsPerMessage` each), end. Each change
    /// message asks for an ACK, so the caller learns whether the kernel
    /// committed the batch.
    static func batch(_ changes: [FirewallElementChange]) -> [NetlinkRequest] {
        var requests = [control(batchBegin)]
        var start = changes.startIndex
        while start < changes.endIndex {
            let first = changes[start]
            var end = start + 1
            while end < changes.endIndex, end - start < elementsPerMessage, changes[end].direction == first.direction,
                  (changes[end].target == nil) == (first.target == nil) { end += 1 }
            requests.append(message(changes[start..<end]))
            start = end
        }
        requests.append(control(batchEnd))
        return requests
    }

    /// A batch delimiter: nfgenmsg with the subsystem in res_id.
    private static func control(_ type: UInt16) -> NetlinkRequest {
        var request = NetlinkRequest(type: NetlinkMessageType(rawValue: type), flags: .request)
        request.append(GenericHeader(family: 0, resourceID: subsystem))
        return request
    }

    /// NEWSETELEM or DELSETELEM of `changes` (same map, same kind).
    private static func message(_ changes: ArraySlice<FirewallElementChange>) -> NetlinkRequest {
        let adds = changes.first?.target != nil
        var request = NetlinkRequest(type: NetlinkMessageType(rawValue: subsystem << 8 | (adds ? newElement : deleteElement)),
                                     flags: adds ? [.request, .acknowledge, .create] : [.request, .acknowledge])
        request.append(GenericHeader(family: familyINET, resourceID: 0))
        request.appendAttribute(Attribute.listTable, string: FirewallRuleset.tableName)
        request.appendAttribute(Attribute.listSet, string: changes.first?.direction.map ?? "")
        var list = NetlinkByteWriter()
        for change in changes {
            // The key is an iface_index: the ifindex in host order.
            var element = Self.attribute(Attribute.elementKey, Self.attribute(Attribute.dataValue, uint32: UInt32(bitPattern: change.ifindex)))
            if let target = change.target {
                let verdict = Self.attribute(Attribute.verdictCode, bigEndian: UInt32(bitPattern: jump))
                    + Self.attribute(Attribute.verdictChain, Array(target.utf8) + [0])
                element += Self.attribute(Attribute.elementData, Self.attribute(Attribute.dataVerdict, verdict))
            }
            list.append(contentsOf: Self.attribute(Attribute.listElement, element))
        }
        request.appendAttribute(Attribute.listElements, bytes: list.bytes)
        return request
    }

    /// `struct nfgenmsg`: family, version 0, res_id (big-endian).
    struct GenericHeader: NetlinkFamilyHeader {
        static let encodedSize = 4
        var family: UInt8
        var resourceID: UInt16

        func encode(into writer: inout NetlinkByteWriter) {
            writer.append(family)
            writer.append(UInt8(0))  // NFNETLINK_V0
            writer.append(UInt8(truncatingIfNeeded: resourceID >> 8))
            writer.append(UInt8(truncatingIfNeeded: resourceID))
        }
    }

    /// The attributes used, nested ones with NLA_F_NESTED.
    struct Attribute: RawRepresentable {
        var rawValue: UInt16
        static let nested: UInt16 = 0x8000
        static let listTable = Attribute(rawValue: 1)  // NFTA_SET_ELEM_LIST_TABLE
        static let listSet = Attribute(rawValue: 2)  // NFTA_SET_ELEM_LIST_SET
        static let listElements = Attribute(rawValue: 3 | nested)  // NFTA_SET_ELEM_LIST_ELEMENTS
        static let listElement = Attribute(rawValue: 1 | nested)  // NFTA_LIST_ELEM
        static let elementKey = Attribute(rawValue: 1 | nested)  // NFTA_SET_ELEM_KEY
        static let elementData = Attribute(rawValue: 2 | nested)  // NFTA_SET_ELEM_DATA
        static let dataValue = Attribute(rawValue: 1)  // NFTA_DATA_VALUE
        static let dataVerdict = Attribute(rawValue: 2 | nested)  // NFTA_DATA_VERDICT
        static let verdictCode = Attribute(rawValue: 1)  // NFTA_VERDICT_CODE
        static let verdictChain = Attribute(rawValue: 2)  // NFTA_VERDICT_CHAIN
    }

    /// One attribute with its payload, padded to 4 bytes.
    static func attribute(_ kind: Attribute, _ payload: [UInt8]) -> [UInt8] {
        var writer = NetlinkByteWriter()
        writer.append(UInt16(truncatingIfNeeded: NetlinkRequest.attributeHeaderSize + payload.count))
        writer.append(kind.rawValue)
        writer.append(contentsOf: payload)
        writer.padToAlignment()
        return writer.bytes
    }

    static func attribute(_ kind: Attribute, uint32 value: UInt32) -> [UInt8] {
        var writer = NetlinkByteWriter()
        writer.append(value)
        return attribute(kind, writer.bytes)
    }

    static func attribute(_ kind: Attribute, bigEndian value: UInt32) -> [UInt8] {
        attribute(kind, [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) })
    }
}
