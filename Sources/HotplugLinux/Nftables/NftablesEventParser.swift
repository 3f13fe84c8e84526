/// Reads nftables' netlink notifications (NFNLGRP_NFTABLES) and tells
/// whether someone other than us changed one table. The kernel sends one
/// message per object changed, then NFT_MSG_NEWGEN naming the process
/// that committed the transaction; only that tells our own changes apart.
struct NftablesEventParser {
    /// The table watched, as the kernel names it in every message about it.
    let family: UInt8
    let table: [UInt8]
    /// Our own pid: transactions we committed are not news.
    let ownPID: UInt32

    /// A transaction by another process touched the table.
    struct Change: Equatable {
        var pid: UInt32
        var process: String
    }

    private var touched = false

    init(family: UInt8, table: String, ownPID: UInt32) {
        self.family = family
        self.table = Array(table.utf8)
        self.ownPID = ownPID
    }

    static let subsystemNftables: UInt16 = 10  // NFNL_SUBSYS_NFTABLES
    static let messageNewGeneration: UInt16 = 15  // NFT_MSG_NEWGEN
    static let attributeTableName: UInt16 = 1  // NFTA_{TABLE_NAME,CHAIN_TABLE,RULE_TABLE,SET_TABLE,...}
    static let attributeGenerationPID: UInt16 = 2  // NFTA_GEN_PROC_PID
    static let attributeGenerationName: UInt16 = 3  // NFTA_GEN_PROC_NAME

    /// Feeds one datagram; returns the foreign transactions it completed.
    mutating func feed(_ datagram: [UInt8]) -> [Change] {
        var changes: [Change] = []
        var offset = 0
        while offset + 16 <= datagram.count {
            let length = Int(Self.u32(datagram, offset))
            guard length >= 16, offset + length <= datagram.count else { break }
            let type = Self.u16(datagram, offset + 4)
            let body = offset + 16
            if type >> 8 == Self.subsystemNftables, length >= 20 {
                let attributes = Self.attributes(datagram, from: body + 4, to: offset + length)
                if type & 0xff == Self.messageNewGeneration {
                    if touched {
                        let pid = attributes[Self.attributeGenerationPID].flatMap { $0.count >= 4 ? Self.u32be($0, 0) : nil } ?? 0
                        if pid != ownPID {
                            let name = attributes[Self.attributeGenerationName].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                            changes.append(Change(pid: pid, process: name ?? "?"))
                        }
                    }
                    touched = false
                } else if datagram[body] == family, let name = attributes[Self.attributeTableName],
                          Array(name.prefix { $0 != 0 }) == table {
                    touched = true
                }
            }
            offset += (length + 3) & ~3
        }
        return changes
    }

    /// The top-level attributes of one message, by type (nested and
    /// byte-order flags masked off).
    static func attributes(_ bytes: [UInt8], from start: Int, to end: Int) -> [UInt16: ArraySlice<UInt8>] {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = start
        while offset + 4 <= end {
            let length = Int(u16(bytes, offset))
            guard length >= 4, offset + length <= end else { break }
            result[u16(bytes, offset + 2) & 0x3fff] = bytes[(offset + 4)..<(offset + length)]
            offset += (length + 3) & ~3
        }
        return result
    }

    static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// nftables attributes are big-endian.
    static func u32be(_ bytes: ArraySlice<UInt8>, _ offset: Int) -> UInt32 {
        let start = bytes.startIndex + offset
        return UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8 | UInt32(bytes[start + 3])
    }
}
