import Testing
@testable import HotplugCore

struct SupervisorTests {
    typealias H = SupervisorHarness

    @Test func addStartsChildAndRemoveStopsIt() {
        var h = H([Bindings.binding("cable")])
        let effects = h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(H.spawns(effects).map(\.argv) == [["/bin/child", "v0"]])
        #expect(h.state("cable") == "running")
        let pid = h.pid("cable")!
        let stop = h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        #expect(H.signals(stop).map(\.0) == [pid])
        #expect(H.signals(stop).map(\.1) == [.terminate])
        #expect(h.state("cable") == "stopping")
        h.send(.childExited(pid: pid, .signaled(15)))
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func unmatchedDeviceIsIgnored() {
        var h = H([Bindings.binding("cable", kernel: "glk*")])
        #expect(h.send(.deviceAdded(FakeDevices.veth("v0"))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func settleDelaysAndRemoveDuringSettleCancels() {
        var h = H([Bindings.binding("cable", settle: .milliseconds(200))])
        #expect(H.spawns(h.send(.deviceAdded(FakeDevices.veth("v0")))).isEmpty)
        #expect(h.state("cable") == "settling")
        #expect(h.supervisor.nextDeadline == h.clock + .milliseconds(200))
        h.advance(.milliseconds(100))
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        #expect(h.supervisor.status().isEmpty)
        #expect(H.spawns(h.advance(.seconds(1))).isEmpty)
        #expect(h.supervisor.nextDeadline == nil)
    }

    @Test func settleElapsesThenStarts() {
        var h = H([Bindings.binding("cable", settle: .milliseconds(200))])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(H.spawns(h.advance(.milliseconds(199))).isEmpty)
        #expect(H.spawns(h.advance(.milliseconds(1))).count == 1)
        #expect(h.state("cable") == "running")
    }

    @Test func crashLoopBacksOffWithDoublingDelays() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        var delays: [UInt64] = []
        for _ in 0..<6 {
            let pid = h.pid("cable")!
            h.send(.childExited(pid: pid, .exited(1)))
            #expect(h.state("cable") == "backoff")
            let deadline = h.supervisor.nextDeadline!
            delays.append(deadline.span(since: h.clock).milliseconds)
            h.clock = deadline
            #expect(H.spawns(h.send(.tick)).count == 1)
        }
        #expect(delays == [500, 1000, 2000, 4000, 4000, 4000])
        #expect(h.supervisor.status().first?.restarts == 6)
        #expect(h.supervisor.status().first?.lastExit == .exited(1))
    }

    @Test func backoffResetsAfterHealthyUptime() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        for _ in 0..<3 {
            h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
            h.clock = h.supervisor.nextDeadline!
            h.send(.tick)
        }
        h.advance(.seconds(11))
        h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
        #expect(h.supervisor.nextDeadline!.span(since: h.clock) == .milliseconds(500))
    }

    @Test func removeDuringBackoffForgetsTheAttachment() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
        #expect(h.state("cable") == "backoff")
        #expect(H.signals(h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
        #expect(H.spawns(h.advance(.seconds(10))).isEmpty)
    }

    @Test func restartNoEndsExited() {
        var h = H([Bindings.binding("cable", restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(3)))
        #expect(h.state("cable") == "exited")
        #expect(h.supervisor.status().first?.lastExit == .exited(3))
        #expect(h.supervisor.nextDeadline == nil)
    }

    @Test func onFailureDoesNotRestartCleanExit() {
        var h = H([Bindings.binding("cable", restart: .onFailure)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(0)))
        #expect(h.state("cable") == "exited")
        var always = H([Bindings.binding("cable", restart: .always)])
        always.send(.deviceAdded(FakeDevices.veth("v0")))
        always.send(.childExited(pid: always.pid("cable")!, .exited(0)))
        #expect(always.state("cable") == "backoff")
    }

    @Test func stopTimeoutEscalatesToKill() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        #expect(H.signals(h.advance(.milliseconds(4999))).isEmpty)
        #expect(H.signals(h.advance(.milliseconds(1))).map(\.1) == [.kill])
        #expect(H.signals(h.advance(.seconds(10))).isEmpty, "SIGKILL is sent once")
        #expect(h.state("cable") == "stopping")
        h.send(.childExited(pid: pid, .signaled(9)))
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func childExitingDuringStopIsNotRestarted() {
        var h = H([Bindings.binding("cable", restart: .always)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        #expect(H.spawns(h.send(.childExited(pid: pid, .exited(0)))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func spawnFailureIsReportedNotRetried() {
        var h = H([Bindings.binding("cable")])
        h.spawnFailure = "exec /bin/child: No such file or directory"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "failed")
        #expect(h.supervisor.status().first?.error == "exec /bin/child: No such file or directory")
        #expect(h.supervisor.nextDeadline == nil)
    }

    @Test func linkIsConfiguredBeforeChildAndRenameReachesArgv() {
        let link = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"), mtu: 1400)
        var h = H([Bindings.binding("cable", link: link)])
        let effects = h.send(.deviceAdded(FakeDevices.veth("v0")))
        guard case .setUp(_, .link(let request)) = effects.first(where: { if case .setUp(_, .link) = $0 { true } else { false } }) else {
            Issue.record("no link effect"); return
        }
        #expect(request.currentName == "v0" && request.ifindex == 42 && request.settings.mtu == 1400)
        let spawnIndex = effects.firstIndex { if case .setUp(_, .children) = $0 { true } else { false } }!
        let linkIndex = effects.firstIndex { if case .setUp(_, .link) = $0 { true } else { false } }!
        #expect(linkIndex < spawnIndex)
        #expect(H.spawns(effects).first?.argv == ["/bin/child", "glk0"])
        #expect(H.spawns(effects).first?.environment.contains("INTERFACE=glk0") == true)
        #expect(h.supervisor.status().first?.interface == "glk0")
    }

    @Test func indexAllocationSkipsTakenNames() {
        let link = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"))
        var h = H([Bindings.binding("cable", link: link)])
        h.takenNames = ["glk0"]
        h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 1)))
        h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 2)))
        #expect(h.supervisor.status().map(\.interface) == ["glk1", "glk2"])
    }

    @Test func linkFailureFailsOwnerOnly() {
        let link = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"))
        var h = H([Bindings.binding("owner", link: link), Bindings.binding("watcher")])
        h.linkFailure = "rename v0 to glk0: File exists"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("owner") == "failed")
        #expect(h.supervisor.status().first { $0.binding == "owner" }?.error == "rename v0 to glk0: File exists")
        #expect(h.state("watcher") == "running")
    }

    @Test func linkOnlyBindingIsConfigured() {
        var h = H([Bindings.binding("lab", link: LinkSettings(mtu: 9000), exec: false)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("lab") == "configured")
    }

    @Test func secondBindingWaitsForLinkOwner() {
        let link = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"))
        var h = H([Bindings.binding("owner", link: link, settle: .milliseconds(100)), Bindings.binding("watcher")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("watcher") == "configuring")
        let effects = h.advance(.milliseconds(100))
        #expect(Set(H.spawns(effects).map(\.argv)) == [["/bin/child", "glk0"]])
        #expect(H.spawns(effects).count == 2)
    }

    @Test func moveEventOnlyRenames() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")
        var moved = FakeDevices.veth("v9")
        moved.properties["DEVPATH_OLD"] = "/devices/virtual/net/v0"
        let effects = h.send(.deviceMoved(moved))
        #expect(H.spawns(effects).isEmpty && H.signals(effects).isEmpty)
        #expect(h.pid("cable") == pid)
        #expect(h.supervisor.status().first?.interface == "v9")
        // The remove comes under the new devpath.
        #expect(H.signals(h.send(.deviceRemoved(devpath: "/devices/virtual/net/v9", ifindex: 42))).count == 1)
    }

    @Test func changeEventBindsAndUnbinds() {
        var rules = Bindings.binding("tagged")
        rules.match.tag = PatternList(["hotplugd"])
        var h = H([rules])
        var device = FakeDevices.veth("v0")
        h.send(.deviceAdded(device))
        #expect(h.supervisor.status().isEmpty)
        device.tags = ["hotplugd"]
        #expect(H.spawns(h.send(.deviceChanged(device))).count == 1)
        let pid = h.pid("tagged")!
        device.tags = []
        #expect(H.signals(h.send(.deviceChanged(device))).map(\.0) == [pid])
    }

    @Test func duplicateAddIsNotBoundTwice() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(H.spawns(h.send(.deviceAdded(FakeDevices.veth("v0")))).isEmpty)
        #expect(h.supervisor.status().count == 1)
    }

    @Test func reconcileRemovesGoneAndAddsMissing() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 1)))
        h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 2)))
        let effects = h.send(.present([FakeDevices.veth("v1", ifindex: 2), FakeDevices.veth("v2", ifindex: 3)]))
        #expect(H.signals(effects).count == 1)
        #expect(H.spawns(effects).map(\.argv) == [["/bin/child", "v2"]])
    }

    @Test func sameDevpathWithNewIfindexIsANewDevice() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 1)))
        let effects = h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 2)))
        #expect(H.signals(effects).count == 1)
        #expect(H.spawns(effects).count == 1)
    }

    @Test func shutdownStopsAllThenExits() {
        var h = H([Bindings.binding("a"), Bindings.binding("b")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        let effects = h.send(.shutdown)
        #expect(Set(H.signals(effects).map(\.0)) == Set(pids))
        #expect(!effects.contains(.exit))
        #expect(H.spawns(h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 9)))).isEmpty)
        h.send(.childExited(pid: pids[0], .signaled(15)))
        #expect(h.send(.childExited(pid: pids[1], .signaled(15))).contains(.exit))
    }

    @Test func shutdownWithNothingRunningExitsAtOnce() {
        var h = H([Bindings.binding("a")])
        #expect(h.send(.shutdown).contains(.exit))
    }

    @Test func reloadKeepsUnchangedRestartsChangedStopsRemoved() {
        var h = H([Bindings.binding("same"), Bindings.binding("changed"), Bindings.binding("removed")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let samePID = h.pid("same")!, changedPID = h.pid("changed")!, removedPID = h.pid("removed")!
        var changed = Bindings.binding("changed")
        changed.exec?.stopTimeout = .seconds(1)
        let effects = h.send(.reload(Configuration(bindings: [Bindings.binding("same"), changed, Bindings.binding("new")])))
        #expect(Set(H.signals(effects).map(\.0)) == [changedPID, removedPID])
        #expect(H.spawns(effects).count == 1, "the new binding starts")
        #expect(h.pid("same") == samePID)
        let restarted = h.send(.childExited(pid: changedPID, .signaled(15)))
        #expect(H.spawns(restarted).count == 1)
        h.send(.childExited(pid: removedPID, .signaled(15)))
        #expect(Set(h.supervisor.status().map(\.binding)) == ["same", "changed", "new"])
    }

    @Test func reloadWithTheDevicesPresentBindsOneThatMatchedNothingBefore() {
        var h = H([Bindings.binding("a", kernel: "x*")])
        let device = FakeDevices.veth("v0")
        h.send(.deviceAdded(device))
        #expect(h.supervisor.status().allSatisfy { $0.pid == nil }, "nothing matches v0 yet, so it is not kept")
        let effects = h.send(.reload(Configuration(bindings: [Bindings.binding("a", kernel: "x*"), Bindings.binding("b")]),
                                     present: [device]))
        #expect(H.spawns(effects).count == 1, "the enumeration that comes with the reload finds v0")
        #expect(h.pid("b") != nil)
    }

    /// The kept facts were read for the old bindings (here: no parent chain);
    /// a new binding that reads more must see the fresh facts, not those.
    @Test func reloadMatchesAndExpandsWithTheFreshFacts() throws {
        var h = H([Bindings.binding("a", kernel: "usb*")])
        var bare = FakeDevices.gamelink
        bare.ancestors = []
        h.send(.deviceAdded(bare))
        var serial = Bindings.binding("serial", kernel: "usb*")
        serial.exec?.command = [try Template(parsing: "/bin/child"), try Template(parsing: "{usb-serial}")]
        var vendor = Bindings.binding("vendor", kernel: "usb*")
        vendor.match.usbVendor = PatternList(["067b"])
        let effects = h.send(.reload(Configuration(bindings: [Bindings.binding("a", kernel: "usb*"), serial, vendor]),
                                     present: [FakeDevices.gamelink]))
        let argv = H.spawns(effects).map(\.argv)
        #expect(argv.contains(["/bin/child", "GL0001"]), "\(argv)")
        #expect(h.pid("vendor") != nil, "usb-vendor is judged on the fresh parent chain")
    }

    @Test func aChangedBindingThatMatchesOnlyWithFreshFactsIsRestartedNotLost() {
        var h = H([Bindings.binding("a", kernel: "usb*")])
        var bare = FakeDevices.gamelink
        bare.ancestors = []
        h.send(.deviceAdded(bare))
        let pid = h.pid("a")!
        var changed = Bindings.binding("a", kernel: "usb*")
        changed.match.usbVendor = PatternList(["067b"])
        #expect(H.signals(h.send(.reload(Configuration(bindings: [changed]), present: [FakeDevices.gamelink]))).map(\.0) == [pid])
        #expect(H.spawns(h.send(.childExited(pid: pid, .signaled(15)))).count == 1, "started again once stopped")
        #expect(h.pid("a") != nil && h.pid("a") != pid)
    }

    @Test func aChangeThatRebindsWhileTheChildStopsStartsItAgain() {
        var h = H([Bindings.binding("a")])
        var device = FakeDevices.veth("v0")
        h.send(.deviceAdded(device))
        let pid = h.pid("a")!
        device.sysname = "x0"
        #expect(H.signals(h.send(.deviceChanged(device))).map(\.0) == [pid], "no longer matches: stopped")
        device.sysname = "v0"
        h.send(.deviceChanged(device))
        #expect(H.spawns(h.send(.childExited(pid: pid, .signaled(15)))).count == 1, "matches again: not dropped")
    }

    @Test func restartCommandRestartsOneBinding() {
        var h = H([Bindings.binding("a"), Bindings.binding("b")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("a")!
        #expect(H.signals(h.send(.restart(binding: "a", device: "v0"))).map(\.0) == [pid])
        #expect(H.spawns(h.send(.childExited(pid: pid, .signaled(15)))).count == 1)
        #expect(h.state("a") == "running" && h.pid("a") != pid)
        #expect(h.supervisor.status().first { $0.binding == "a" }?.restarts == 1)
    }

    @Test func factNeedsLookAtSubsystemAndKernelOnly() {
        let h = H([Bindings.binding("cable", kernel: "glk*")])
        #expect(h.supervisor.factNeeds(subsystem: "net", sysname: "glk0") != nil)
        #expect(h.supervisor.factNeeds(subsystem: "net", sysname: "peer0") == nil)
        #expect(h.supervisor.factNeeds(subsystem: "tty", sysname: "glk0") == nil)
    }

    @Test func summaryCountsStates() {
        var h = H([Bindings.binding("a"), Bindings.binding("b", restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("b")!, .exited(0)))
        #expect(h.supervisor.summary == "1 device, 1 exited, 1 running")
    }
}
