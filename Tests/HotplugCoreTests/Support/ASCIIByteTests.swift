import Testing
@testable import HotplugCore

/// The byte classes answer for every byte what the Unicode-property checks
/// they replaced answered for its scalar.
struct ASCIIByteTests {
    @Test func everyByteIsClassedAsItsScalarWas() {
        for byte in UInt8(0)...UInt8(255) {
            let scalar = Unicode.Scalar(byte)
            let letterOrDigit = byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
            #expect(ASCIIByte.isKeyCharacter(byte) == (letterOrDigit || scalar == "_"), "byte \(byte)")
            #expect(ASCIIByte.isNameCharacter(byte) == (letterOrDigit || "_.-".unicodeScalars.contains(scalar)), "byte \(byte)")
            #expect(ASCIIByte.isDigit(byte) == ("0"..."9").contains(scalar), "byte \(byte)")
        }
        #expect(!ASCIIByte.isNameCharacter(Unicode.Scalar("é")))
    }
}
