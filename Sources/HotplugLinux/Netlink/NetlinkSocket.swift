import Glibc

/// One netlink socket and the request/reply conversation over it: sequence
/// numbers, matching replies to requests, ACKs and multipart dumps. The
/// conversation is the same for every netlink protocol, so the protocol is
/// a parameter (RouteNetlink uses NETLINK_ROUTE).
///
/// Every request waits for its reply with poll(2) until a deadline and then
/// fails with ETIMEDOUT, never longer: the daemon has one thread, and a
/// kernel that does not answer must not hold its loop (and systemd's
/// watchdog) for more than a bounded time. Late replies to a timed-out
/// request are harmless: they carry an old sequence number and are skipped.
/// (Sending cannot be bounded this way: the kernel handles a request inside
/// sendto, so a request stuck behind a kernel lock blocks there.)
///
/// Not thread-safe: a request and its replies must not interleave with
/// another request's, so one thread owns the socket.
final class NetlinkSocket {
    /// Upper bound for one datagram. The kernel sizes dump datagrams after
    /// the reader's buffer but never beyond 32 KiB, and single replies here
    /// are small because statistics are filtered out; anything larger is
    /// reported (MSG_TRUNC) rather than silently cut.
    static let receiveBufferSize = 32 * 1024
    /// The kernel answers a request in microseconds; a second means it will
    /// not, and a link configuration makes up to six requests.
    static let defaultRequestTimeout: Duration = .seconds(1)
    /// NLM_F_DUMP_INTR means the table changed during the dump and the result
    /// may be inconsistent; the dump is repeated this many times at most.
    static let maximumDumpAttempts = 5

    let descriptor: FileDescriptor
    /// The port the kernel bound us to; replies addressed elsewhere are not ours.
    let portID: UInt32
    private var lastSequence: UInt32 = 0
    /// SO_SNDBUF as last read or set; 0 until a batch needs it.
    private var sendBufferSize = 0
    /// The longest one request waits for its reply.
    let requestTimeout: Duration
    /// While set, no request waits past it either, and none is sent after it.
    var timeLimit: NetlinkTimeLimit?

    init(protocol netlinkProtocol: Int32, requestTimeout: Duration = NetlinkSocket.defaultRequestTimeout) throws(NetlinkError) {
        self.requestTimeout = requestTimeout
        let operation = "open netlink socket (protocol \(netlinkProtocol))"
        // Every failure below closes the socket: the owner ends with the scope,
        // after the error (and its errno) has been made.
        guard let descriptor = FileDescriptor(adopting: socket(
            AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol))
        else { throw NetlinkError(operation: operation, errno: errno) }

        // The options below only improve things (smaller ACKs, kernel error
        // text, kernel-side filtering of dumps); older kernels lacking them
        // still work, so failures are ignored.
        Self.setOption(descriptor, NetlinkSocketOption.capAcknowledgement, 1)
        Self.setOption(descriptor, NetlinkSocketOption.extendedAcknowledgement, 1)
        Self.setOption(descriptor, NetlinkSocketOption.strictChecking, 1)

        // Port 0 lets the kernel choose a unique port id; read it back so
        // replies can be checked against it.
        var address = sockaddr_storage()
        Self.writeNetlinkAddress(into: &address, portID: 0)
        let bindResult = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor.rawValue, $0, socklen_t(Self.netlinkAddressSize))
            }
        }
        guard bindResult == 0 else { throw NetlinkError(operation: operation, errno: errno) }

        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let nameResult = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(descriptor.rawValue, $0, &boundLength)
            }
        }
        guard nameResult == 0 else { throw NetlinkError(operation: operation, errno: errno) }

        self.descriptor = descriptor
        self.portID = Self.readNetlinkAddress(address).portID
    }

    // MARK: Conversations

    /// Sends a request with NLM_F_ACK and waits for the kernel's NLMSG_ERROR
    /// carrying our sequence number. Returns the replies that came before
    /// the ACK (e.g. the RTM_NEWLINK answering a RTM_GETLINK); throws the
    /// errno if the ACK reports a failure.
    func performAcknowledged(_ request: NetlinkRequest, operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        let sequence = nextSequence()
        let deadline = try replyDeadline(operation: operation)
        try send(request.encoded(sequence: sequence), operation: operation)

        var replies: [NetlinkMessage] = []
        while true {
            for message in try receiveMessages(until: deadline, operation: operation) where isReply(message, to: sequence) {
                if message.header.type == .error {
                    try throwIfFailed(message, operation: operation)
                    return replies
                }
                if message.header.type != .noop {
                    replies.append(message)
                }
            }
        }
    }

    /// Sends a NLM_F_DUMP request and collects every message until
    /// NLMSG_DONE, repeating the dump if the kernel flags it as interrupted.
    func performDump(_ request: NetlinkRequest, operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        var attempt = 1
        while true {
            let (messages, wasInterrupted) = try performDumpOnce(request, operation: operation)
            if !wasInterrupted { return messages }
            guard attempt < Self.maximumDumpAttempts else {
                throw NetlinkError(
                    operation: operation, errno: EAGAIN,
                    detail: "dump was interrupted by concurrent changes \(attempt) times")
            }
            attempt += 1
        }
    }

    private func performDumpOnce(
        _ request: NetlinkRequest, operation: String
    ) throws(NetlinkError) -> (messages: [NetlinkMessage], wasInterrupted: Bool) {
        let sequence = nextSequence()
        let deadline = try replyDeadline(operation: operation)
        try send(request.encoded(sequence: sequence), operation: operation)

        var collected: [NetlinkMessage] = []
        var wasInterrupted = false
        while true {
            for message in try receiveMessages(until: deadline, operation: operation) where isReply(message, to: sequence) {
                if message.header.flags.contains(.dumpInterrupted) { wasInterrupted = true }
                switch message.header.type {
                case .done:
                    // NLMSG_DONE carries an int: 0, or -errno if the dump failed midway.
                    if let code = message.payload.hostInt32(at: 0), code < 0 {
                        throw NetlinkError(operation: operation, errno: code == Int32.min ? Int32.max : -code)
                    }
                    return (collected, wasInterrupted)
                case .error:
                    // Dumps end with DONE; an ERROR means the request was refused.
                    try throwIfFailed(message, operation: operation)
                    return (collected, wasInterrupted)
                case .noop:
                    continue
                default:
                    collected.append(message)
                }
            }
        }
    }

    /// Sends `requests` in one datagram, as nfnetlink takes a transaction
    /// (a batch-begin message, the changes, a batch-end message), and
    /// waits for the ACK of each request that asks for one. The kernel
    /// answers every such request, with success only if the whole batch
    /// was committed; the first failure is thrown without waiting for the
    /// rest, whose late replies are skipped like any stale reply.
    func performBatch(_ requests: [NetlinkRequest], operation: String) throws(NetlinkError) {
        var datagram: [UInt8] = []
        var awaited: Set<UInt32> = []
        let first = lastSequence &+ 1
        for request in requests {
            let sequence = nextSequence()
            if request.flags.contains(.acknowledge) { awaited.insert(sequence) }
            datagram += request.encoded(sequence: sequence)
        }
        let last = lastSequence
        let deadline = try replyDeadline(operation: operation)
        fitSendBuffer(datagram.count)
        try send(datagram, operation: operation)
        while !awaited.isEmpty {
            for message in try receiveMessages(until: deadline, operation: operation)
            where message.header.portID == portID && message.header.type == .error
                && message.header.sequence &- first <= last &- first {
                // A failed commit is reported on the batch's first message.
                try throwIfFailed(message, operation: operation)
                awaited.remove(message.header.sequence)
            }
        }
    }

    /// The send buffer a datagram of `size` bytes fits in, grown as nft
    /// grows its own: a batch is one datagram (the kernel processes a batch
    /// within one), and a storm's can exceed the default buffer (about 200
    /// KiB, EMSGSIZE). Forced past the system's limit where we may (we have
    /// CAP_NET_ADMIN when we write nftables); otherwise the limit stands and
    /// the send fails as it would have.
    private func fitSendBuffer(_ size: Int) {
        if sendBufferSize == 0 {
            var current: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor.rawValue, SOL_SOCKET, SO_SNDBUF, &current, &length)
            sendBufferSize = Int(current)
        }
        // The kernel's own accounting adds to each datagram: keep room.
        let needed = size * 2
        guard needed > sendBufferSize else { return }
        var value = Int32(clamping: needed)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor.rawValue, SOL_SOCKET, SO_SNDBUFFORCE, &value, length) != 0 {
            _ = setsockopt(descriptor.rawValue, SOL_SOCKET, SO_SNDBUF, &value, length)
        }
        sendBufferSize = needed
    }

    /// Our socket may also hold stale replies to an earlier, timed-out or
    /// failed request; only messages for this sequence number and port count.
    private func isReply(_ message: NetlinkMessage, to sequence: UInt32) -> Bool {
        message.header.sequence == sequence && message.header.portID == portID
    }

    private func throwIfFailed(_ message: NetlinkMessage, operation: String) throws(NetlinkError) {
        let reply: NetlinkErrorReply
        do {
            reply = try NetlinkErrorReply(decoding: message)
        } catch {
            throw error.asNetlinkError(operation: operation)
        }
        if reply.errno != 0 {
            throw NetlinkError(operation: operation, errno: reply.errno, detail: reply.extendedMessage)
        }
    }

    private func nextSequence() -> UInt32 {
        lastSequence &+= 1
        return lastSequence
    }

    /// The deadline of a request about to be sent; throws instead when the
    /// time limit has run out, so nothing more is sent.
    private func replyDeadline(operation: String) throws(NetlinkError) -> ReplyDeadline {
        guard let deadline = ReplyDeadline(sentAt: MonotonicClock.now(), timeout: requestTimeout, limit: timeLimit) else {
            let detail = timeLimit.map(ReplyDeadline.exhausted) ?? "no time left"
            throw NetlinkError(operation: operation, errno: ETIMEDOUT, detail: detail)
        }
        return deadline
    }

    // MARK: System calls

    private func send(_ bytes: [UInt8], operation: String) throws(NetlinkError) {
        var kernel = sockaddr_storage()
        Self.writeNetlinkAddress(into: &kernel, portID: 0)  // port 0 is the kernel
        var result: Int
        var failure: Int32 = 0
        repeat {
            result = bytes.withUnsafeBytes { buffer in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor.rawValue, buffer.baseAddress, buffer.count, 0, $0, socklen_t(Self.netlinkAddressSize))
                    }
                }
            }
            failure = result < 0 ? errno : 0
        } while failure == EINTR
        if result < 0 {
            throw NetlinkError(operation: operation, errno: failure)
        }
        if result != bytes.count {
            throw NetlinkError(operation: operation, errno: EIO, detail: "sent \(result) of \(bytes.count) bytes")
        }
    }

    /// Receives one datagram from the kernel, waiting for it until
    /// `deadline`, and splits it into messages.
    private func receiveMessages(until deadline: ReplyDeadline, operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        var buffer = [UInt8](repeating: 0, count: Self.receiveBufferSize)
        while true {
            try waitForDatagram(until: deadline, operation: operation)
            var sender = sockaddr_storage()
            var messageFlags: Int32 = 0
            var failure: Int32 = 0
            let received: Int = buffer.withUnsafeMutableBytes { bufferBytes in
                withUnsafeMutablePointer(to: &sender) { senderPointer in
                    var vector = iovec(iov_base: bufferBytes.baseAddress, iov_len: bufferBytes.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var header = msghdr()
                        header.msg_name = UnsafeMutableRawPointer(senderPointer)
                        header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        var result: Int
                        repeat {
                            // Never blocks: the wait above is the only one, and it is bounded.
                            result = recvmsg(descriptor.rawValue, &header, Int32(MSG_DONTWAIT))
                        } while result < 0 && errno == EINTR
                        failure = result < 0 ? errno : 0
                        messageFlags = header.msg_flags
                        return result
                    }
                }
            }

            if received < 0 {
                // Readable but nothing there: wait again, with what is left.
                if failure == EAGAIN || failure == EWOULDBLOCK { continue }
                throw NetlinkError(operation: operation, errno: failure)
            }
            if messageFlags & Int32(MSG_TRUNC) != 0 {
                throw NetlinkError(
                    operation: operation, errno: EMSGSIZE,
                    detail: "reply larger than the \(Self.receiveBufferSize)-byte receive buffer")
            }
            // Any local process may send to our port; only the kernel (port 0)
            // is believed.
            let origin = Self.readNetlinkAddress(sender)
            guard origin.family == AddressFamily.netlink, origin.portID == 0 else { continue }

            do {
                return try NetlinkMessageDecoder.messages(in: buffer[0..<received])
            } catch {
                throw error.asNetlinkError(operation: operation)
            }
        }
    }

    /// poll(2) until a datagram (or an error) is queued on the socket; throws
    /// ETIMEDOUT at `deadline`. Signals restart the wait with the time left.
    private func waitForDatagram(until deadline: ReplyDeadline, operation: String) throws(NetlinkError) {
        while true {
            // 0 once the time is up: then poll only looks at what has arrived,
            // so a reply queued by the deadline still counts.
            let remaining = deadline.remainingMilliseconds(at: MonotonicClock.now())
            var request = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, remaining)
            if ready > 0 { return }
            if ready < 0 {
                let failure = errno
                if failure == EINTR { continue }
                throw NetlinkError(operation: operation, errno: failure)
            }
            if remaining == 0 {
                throw NetlinkError(operation: operation, errno: ETIMEDOUT, detail: deadline.expiry)
            }
        }
    }

    private static func setOption(_ descriptor: borrowing FileDescriptor, _ option: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(descriptor.rawValue, NetlinkSocketOption.level, option, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: sockaddr_nl
    //
    // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad;
    // __u32 nl_pid; __u32 nl_groups; } is written into a sockaddr_storage
    // (suitably aligned and large) because Glibc does not import it.

    private static let netlinkAddressSize = 12

    private static func writeNetlinkAddress(into storage: inout sockaddr_storage, portID: UInt32) {
        withUnsafeMutableBytes(of: &storage) { bytes in
            bytes.storeBytes(of: UInt16(AF_NETLINK), toByteOffset: 0, as: UInt16.self)
            bytes.storeBytes(of: portID, toByteOffset: 4, as: UInt32.self)
            bytes.storeBytes(of: 0, toByteOffset: 8, as: UInt32.self)  // no multicast groups
        }
    }

    private static func readNetlinkAddress(_ storage: sockaddr_storage) -> (family: UInt16, portID: UInt32) {
        withUnsafeBytes(of: storage) { bytes in
            (bytes.load(fromByteOffset: 0, as: UInt16.self), bytes.load(fromByteOffset: 4, as: UInt32.self))
        }
    }
}
