import Foundation
import TestSupport
import XCTest
@testable import Iterators

final class Base64Tests: XCTestCase {
    func testRoundTripAgainstFoundation() {
        var rng = SplitMix64(seed: 64)
        for length in 0...100 {
            for _ in 0..<5 {
                let bytes = rng.bytes(length)
                let text = Data(bytes).base64EncodedString()
                XCTAssertEqual(Base64.decode(text), bytes, "length \(length): \(text)")
            }
        }
    }

    func testKnownVectors() {
        // RFC 4648 section 10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==",
                       "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8), encoded)
        }
        XCTAssertEqual(Base64.decode("+/+/"), [0xFB, 0xFF, 0xBF])
        XCTAssertEqual(Base64.decode("AAEC/w=="), [0, 1, 2, 255])
    }

    func testAllByteValues() {
        let bytes = (0...255).map { UInt8($0) }
        XCTAssertEqual(Base64.decode(Data(bytes + bytes).base64EncodedString()), bytes + bytes)
    }

    func testLargeInput() {
        var rng = SplitMix64(seed: 99)
        let bytes = rng.bytes(300_000)
        XCTAssertEqual(Base64.decode(Data(bytes).base64EncodedString()), bytes)
    }

    func testInvalidCharactersGiveNil() {
        for text in ["Zm9v!", "Zm 9v", " Zm9v", "Zm9v\n", "Zm9v\r\n", "-_-_", "Zm9v-mFy", "Zm9v\u{0}", "Zm9vé",
                     "****", "Zm9v.", "\t", "Zm9vYmFy\n"] {
            XCTAssertNil(Base64.decode(text), text.debugDescription)
        }
    }

    /// A base64 text of 4n+1 characters cannot come from any byte string: it
    /// means the embedded object was cut short.
    func testImpossibleLengthGivesNil() {
        for text in ["Z", "Zm9vY", "Zm9vYmFyZ"] {
            XCTAssertNil(Base64.decode(text), text)
        }
    }
}
