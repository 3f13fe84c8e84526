import Glibc
import HotplugCore
import HotplugLinux
import Testing

/// The link stage against a fake kernel: the order of operations, the
/// checks that leave a configured link alone, and failures, without root.
struct LinkStageTests {
    /// Records every call and keeps one link's state as the kernel would.
    final class FakeKernel: LinkOperations {
        var state: LinkState
        var addressList: [IPPrefix] = []
        var calls: [String] = []
        /// A call whose name starts with this fails with EEXIST.
        var failing: String?

        init(_ state: LinkState) { self.state = state }

        func withTimeLimit<Result, Failure: Error>(
            _ limit: Duration, for purpose: String, _ body: () throws(Failure) -> Result
        ) throws(Failure) -> Result {
            calls.append("limit \(limit)")
            defer { calls.append("end of limit") }
            return try body()
        }

        private func record(_ call: String) throws(NetlinkError) {
            calls.append(call)
            if let failing, call.hasPrefix(failing) { throw NetlinkError(operation: call, errno: EEXIST) }
        }

        func link(index: Int32) throws(NetlinkError) -> LinkState? { index == state.index ? state : nil }
        func link(named name: String) throws(NetlinkError) -> LinkState? { name == state.name ? state : nil }
        func setUp(index: Int32, _ up: Bool) throws(NetlinkError) {
            try record(up ? "up" : "down")
            state.isUp = up
        }
        func rename(index: Int32, to newName: String) throws(NetlinkError) {
            guard !state.isUp else { throw NetlinkError(operation: "rename", errno: EBUSY) }
            try record("rename \(newName)")
            state.name = newName
        }
        func setMTU(index: Int32, _ mtu: UInt32) throws(NetlinkError) {
            try record("mtu \(mtu)")
            state.mtu = mtu
        }
        func addresses(index: Int32) throws(NetlinkError) -> [IPPrefix] { addressList }
        func addAddress(index: Int32, _ prefix: IPPrefix) throws(NetlinkError) {
            try record("address \(prefix)")
            addressList.append(prefix)
        }
        func announceAddresses(interface: String, ipv4: Bool, ipv6: Bool) {
            calls.append("announce \(interface)\(ipv4 ? " ipv4" : "")\(ipv6 ? " ipv6" : "")")
        }
    }

    static let settings = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"), mtu: 1400,
                                       addresses: [IPPrefix("10.42.0.1/24")!])

    static func request(_ name: String = "usb0", _ settings: LinkSettings = settings) -> LinkRequest {
        LinkRequest(ifindex: 7, currentName: name, settings: settings)
    }

    @Test func aRunningInterfaceGoesDownForTheRenameAndUpLast() {
        let kernel = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1500, isUp: true, mac: nil))
        let stage = LinkStage(kernel: kernel, takenNames: { ["glk0", "usb0"] })
        #expect(stage.setUp(Self.request()) == .success(.link(interface: "glk1")))
        #expect(kernel.calls == ["limit 2.0 seconds", "down", "rename glk1", "announce glk1 ipv4", "mtu 1400", "address 10.42.0.1/24", "up", "end of limit"],
                "every step inside one time limit")
    }

    @Test func aConfiguredLinkIsLeftAlone() {
        let kernel = FakeKernel(LinkState(index: 7, name: "glk3", mtu: 1400, isUp: true, mac: nil))
        kernel.addressList = [IPPrefix("10.42.0.1/24")!]
        let stage = LinkStage(kernel: kernel, takenNames: { ["glk3"] })
        #expect(stage.setUp(Self.request("glk3")) == .success(.link(interface: "glk3")))
        #expect(kernel.calls == ["limit 2.0 seconds", "end of limit"])
    }

    @Test func aDownInterfaceStaysDownWhenUpIsFalse() {
        var settings = Self.settings
        settings.up = false
        let kernel = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1500, isUp: true, mac: nil))
        let stage = LinkStage(kernel: kernel, takenNames: { [] })
        #expect(stage.setUp(Self.request("usb0", settings)) == .success(.link(interface: "glk0")))
        #expect(kernel.calls.dropFirst().dropLast() == ["down", "rename glk0", "up", "announce glk0 ipv4", "mtu 1400", "address 10.42.0.1/24"],
                "it was up, so it is up again, but not brought up by hotplugd")
    }

    @Test func aFailedStepFailsTheStageWithTheKernelsReasonAndStops() {
        let kernel = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1500, isUp: false, mac: nil))
        kernel.failing = "mtu"
        let stage = LinkStage(kernel: kernel, takenNames: { [] })
        guard case .failure(let failure) = stage.setUp(Self.request()) else {
            Issue.record("the stage should fail")
            return
        }
        #expect(failure.stage == .link)
        #expect(failure.reason.hasPrefix("mtu 1400: File exists"))
        #expect(kernel.calls.dropFirst().dropLast() == ["rename glk0", "announce glk0 ipv4", "mtu 1400"], "nothing after the failed step")
    }

    @Test func aGoneInterfaceAndATemplateWithNoFreeNameFail() {
        let kernel = FakeKernel(LinkState(index: 9, name: "other", mtu: 1500, isUp: false, mac: nil))
        let stage = LinkStage(kernel: kernel, takenNames: { [] })
        #expect(stage.setUp(Self.request()) == .failure(StageFailure(.link, "interface usb0 is gone")))
        let fixed = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk"))
        let present = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1500, isUp: false, mac: nil))
        let full = LinkStage(kernel: present, takenNames: { ["glk"] })
        #expect(full.setUp(Self.request("usb0", fixed)) == .failure(StageFailure(.link, "every name 'glk' can make is taken")))
    }

    @Test func announcementsComeBeforeTheAddressesAndTheUpAndOnlyForTheFamiliesGiven() {
        let kernel = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1400, isUp: false, mac: nil))
        let both = LinkSettings(addresses: [IPPrefix("10.42.0.1/24")!, IPPrefix("fd42::1/64")!])
        #expect(LinkStage(kernel: kernel, takenNames: { [] }).setUp(Self.request("usb0", both)) == .success(.link(interface: "usb0")))
        #expect(kernel.calls.dropFirst().dropLast() == ["announce usb0 ipv4 ipv6", "address 10.42.0.1/24", "address fd42::1/64", "up"])
        let renameOnly = FakeKernel(LinkState(index: 7, name: "usb0", mtu: 1400, isUp: false, mac: nil))
        let name = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"))
        #expect(LinkStage(kernel: renameOnly, takenNames: { [] }).setUp(Self.request("usb0", name)) == .success(.link(interface: "glk0")))
        #expect(!renameOnly.calls.contains { $0.hasPrefix("announce") }, "a binding without addresses leaves the sysctls alone")
    }

    @Test func anInterfaceNameIsOnePlainComponent() {
        #expect(NeighbourAnnouncement.isPlainName("gamelink0"))
        for hostile in ["", ".", "..", "a/b", "../all", "x\u{0}y", "sixteen-bytes-xx"] {
            #expect(!NeighbourAnnouncement.isPlainName(hostile), "\(hostile) is refused")
        }
    }
}
