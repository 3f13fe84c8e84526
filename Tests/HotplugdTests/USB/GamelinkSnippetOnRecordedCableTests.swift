import Foundation
import Testing
import TestSupport

/// rules.d/70-gamelink.rules, unchanged, on the recorded PL25A1: udev's rule
/// engine (`udevadm test` in the testbed, with udev's own rules too) gives
/// the cable's interface the name gamelink0, and no other device a name.
/// The rename itself fails in the testbed, which has no such link; udevd
/// renaming by the same line is in `ShippedRulesTests`.
@Suite(.needsUmockdev, .serialized)
struct GamelinkSnippetOnRecordedCableTests {
    @Test func snippetNamesTheCablesInterfaceOnly() throws {
        let snippet = HotplugdBinary.repositoryRoot + "/rules.d/70-gamelink.rules"
        let testbed = try UmockdevTestbed(rules: [snippet])
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        var output: [String] = []
        for fixture in ["pl25a1", "ft232r", "pl2303"] { output += try testbed.udevInit(fixture) }

        let named = output.filter { $0.hasSuffix("NAME 'gamelink0'") }
        #expect(named.count == 1)
        #expect(named.first?.hasPrefix("udevadm: \(RecordedUSB.cableNet): ") == true)
        #expect(named.first?.contains("70-gamelink.rules") == true)
        #expect(output.contains("udevadm: \(RecordedUSB.cableNet): INTERFACE=gamelink0"))
    }
}
