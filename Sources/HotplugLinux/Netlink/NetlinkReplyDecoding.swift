/// Runs a datagram through every decoder the rtnetlink layer uses on
/// kernel replies, discarding the results: the fuzzer's entry point into
/// code that is otherwise reached only through a live socket.
public enum NetlinkReplyDecoding {
    public static func exercise(_ datagram: [UInt8]) {
        guard let messages = try? NetlinkMessageDecoder.messages(in: datagram[...]) else { return }
        for message in messages {
            _ = try? LinkState(decodingLinkPayload: message.payload)
            _ = try? NetlinkAttributes(decoding: message.payload)
        }
    }
}
