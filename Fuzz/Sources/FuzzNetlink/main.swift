import FuzzSupport
import HotplugLinux

/// Any bytes as an rtnetlink reply datagram from the kernel.
runFuzzer { data, size in
    NetlinkReplyDecoding.exercise(Array(fuzzBytes(data, size)))
    return 0
}
