import Foundation
import Testing
import TestSupport

/// `hotplugd rules` as a user runs it: rules on stdout, or every reason udev
/// cannot express a binding on stderr and nothing on stdout.
struct RulesCommandTests {
    @Test func printsRulesForTheShippedExamples() throws {
        let result = try HotplugdBinary.run("rules", "--config", HotplugdBinary.repositoryRoot + "/examples")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("# udev rules for the 5 hotplugd binding(s)"))
        #expect(result.stdout.contains(#"ENV{ID_USB_VENDOR_ID}=="067b", ENV{ID_USB_MODEL_ID}=="25a1""#))
        #expect(result.stdout.contains(#"SUBSYSTEM=="net", KERNEL=="vcable*|vlink*", ENV{ID_NET_DRIVER}=="veth", TAG+="hotplugd""#))
        #expect(result.stdout.hasSuffix("LABEL=\"hotplugd_end\"\n"))
    }

    @Test func refusesWhatUdevCannotExpressAndPrintsNothing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("fine.toml", "[match]\nsubsystem = \"net\"\n")
        try directory.write("bad.toml", "[match]\nsubsystem = \"net\"\nkernel = \"a|b\"\nmac = \"!02:*\"\n")
        let result = try HotplugdBinary.run("rules", "--config", directory.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(directory.path)/bad.toml: [match] kernel: 'a|b' contains '|'"))
        #expect(result.stderr.contains("\(directory.path)/bad.toml: [match] mac: "))
        #expect(result.stderr.contains("no rules written"))
    }

    @Test func invalidBindingsAreReportedAsByCheck() throws {
        let directory = try TemporaryDirectory()
        try directory.write("broken.toml", "[match]\nsubsytem = \"net\"\n")
        let result = try HotplugdBinary.run("rules", "--config", directory.path)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("broken.toml:2:1: unknown key 'subsytem'"))
    }

    @Test func tagOptionNamesTheTag() throws {
        let directory = try TemporaryDirectory()
        try directory.write("fine.toml", "[match]\nsubsystem = \"net\"\n")
        let result = try HotplugdBinary.run("rules", "--config", directory.path, "--tag", "lab")
        #expect(result.status == 0)
        #expect(result.stdout.contains(#"SUBSYSTEM=="net", TAG+="lab""#))
        let bad = try HotplugdBinary.run("rules", "--config", directory.path, "--tag", "two words")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("--tag: 'two words' is not a udev tag"))
    }
}
