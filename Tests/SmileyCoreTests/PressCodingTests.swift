import Foundation
import SmileyCore
import Testing

@Suite struct PressCodingTests {
    let press = Press(
        device: DeviceID(rawValue: "d1")!, boot: "b", sequence: 3, answer: .soSo, monotonicNanos: 5,
        wallClockMillis: 6, clockSynchronised: false, suppressed: true)

    @Test func aPressSurvivesTheWire() throws {
        let data = try JSONEncoder().encode(press)
        #expect(try JSONDecoder().decode(Press.self, from: data) == press)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""question":"accessibility""#) && text.contains(#""answer":"so-so""#))
    }

    @Test func badFieldsAreNamed() throws {
        func decodeError(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(Press.self, from: Data(json.utf8))
                return "decoded"
            } catch let error as DecodingError {
                return error.readableDescription
            } catch {
                return "\(error)"
            }
        }
        let valid =
            #"{"device":"d1","boot":"b","sequence":1,"question":"satisfaction","answer":"happy","monotonicNanos":1,"wallClockMillis":2,"clockSynchronised":true,"suppressed":false}"#
        #expect(decodeError(valid) == "decoded")
        #expect(
            decodeError(valid.replacingOccurrences(of: #""sequence":1"#, with: #""sequence":0"#)).contains(
                "sequence: 0 is out of range (expected 1 to"))
        #expect(
            decodeError(valid.replacingOccurrences(of: #""device":"d1""#, with: #""device":"D 1""#)).contains(
                "invalid device id 'D 1'"))
        #expect(
            decodeError(valid.replacingOccurrences(of: #""sequence":1"#, with: #""sequence":"one""#))
                == "sequence: expected an integer")
        #expect(decodeError("{") == "not valid JSON")
    }

    @Test func identifiersAreShortLowercaseWords() {
        #expect(CentreID(rawValue: "thimphu-dcrc") != nil)
        #expect(CentreID(rawValue: "") == nil)
        #expect(CentreID(rawValue: "-x") == nil)
        #expect(CentreID(rawValue: "Thimphu") == nil)
        #expect(CentreID(rawValue: String(repeating: "a", count: 65)) == nil)
    }
}
