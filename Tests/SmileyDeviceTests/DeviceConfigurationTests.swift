import Foundation
import SmileyCore
import SmileyDevice
import Testing

@Suite struct DeviceConfigurationTests {
    func load(_ json: String) -> Result<DeviceConfiguration, ConfigurationError> {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json")
            .path
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return Result { () throws(ConfigurationError) in try DeviceConfiguration.load(path: path) }
    }

    func message(_ json: String) -> String {
        switch load(json) {
        case .success: "loaded"
        case .failure(let error): error.description
        }
    }

    let minimal =
        #"{"device": "paro-exit-1", "centre": "paro-dcrc", "hub": "http://127.0.0.1:8080", "stateDirectory": "/tmp/x"}"#

    @Test func aMinimalConfigurationGetsTheDefaultPinMap() throws {
        let configuration = try load(minimal).get()
        #expect(
            configuration.buttons.map(\.line) == ["GPIO5", "GPIO6", "GPIO13", "GPIO19", "GPIO16", "GPIO20", "GPIO21"])
        #expect(configuration.buttons.map(\.answer) == Question.satisfaction.answers + Question.accessibility.answers)
        #expect(configuration.debounce.stableWindowMillis == 20)
    }

    @Test func badValuesAreNamedWithTheirKey() {
        #expect(
            message(minimal.replacingOccurrences(of: "http://127.0.0.1:8080", with: "ftp://hub")).contains(
                "hub = ftp://hub"))
        #expect(
            message(minimal.replacingOccurrences(of: "paro-dcrc", with: "Paro DCRC")).contains(
                "invalid centre id 'Paro DCRC'"))
        #expect(message(#"{"device": "paro-exit-1"}"#).contains("missing field 'centre'"))
        #expect(message("{").contains("not valid JSON"))
        let badWindow = minimal.replacingOccurrences(of: "}", with: #", "debounce": {"stableWindowMillis": 0}}"#)
        #expect(message(badWindow).contains("debounce.stableWindowMillis = 0"))
        let badAnswer = minimal.replacingOccurrences(
            of: "}", with: #", "buttons": [{"line": "GPIO5", "question": "satisfaction", "answer": "meh"}]}"#)
        #expect(message(badAnswer).contains("buttons[0].answer: unknown answer 'meh'"))
        let twice = minimal.replacingOccurrences(
            of: "}",
            with:
                #", "buttons": [{"line": "GPIO5", "question": "satisfaction", "answer": "happy"}, {"line": "GPIO5", "question": "satisfaction", "answer": "unhappy"}]}"#
        )
        #expect(message(twice).contains("buttons[1].line = GPIO5: line used by two buttons"))
    }

    @Test func eachQuestionCanHaveItsOwnResponseInterval() throws {
        let json = minimal.replacingOccurrences(
            of: "}", with: #", "debounce": {"responseIntervalMillisByQuestion": {"accessibility": 10000}}}"#)
        let configuration = try load(json).get()
        let debouncer = configuration.debounce.debouncerConfiguration
        #expect(debouncer.responseIntervalNanos(forPanel: 1) == 10_000_000_000)
        #expect(debouncer.responseIntervalNanos(forPanel: 0) == 5_000_000_000)
        let bad = minimal.replacingOccurrences(
            of: "}", with: #", "debounce": {"responseIntervalMillisByQuestion": {"mood": 1}}}"#)
        #expect(message(bad).contains("unknown question 'mood'"))
    }

    @Test func theTokenFileMustExistAndBePrivate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = DeviceConfiguration(
            device: DeviceID(rawValue: "d1")!, centre: CentreID(rawValue: "c1")!, hub: "http://127.0.0.1:1",
            stateDirectory: directory)
        /// The refusal's words, or nil when the token was accepted.
        func refusal() -> String? {
            switch Result(catching: { () throws(ConfigurationError) in try configuration.loadToken() }) {
            case .success: nil
            case .failure(let error): error.description
            }
        }
        #expect(refusal()?.contains("smiley-hub device add d1 --centre c1") == true)
        for mode in [0o644, 0o640, 0o604, 0o660] {
            _ = try? FileManager.default.removeItem(atPath: configuration.tokenPath)
            _ = FileManager.default.createFile(
                atPath: configuration.tokenPath, contents: Data("smiley_abc\n".utf8),
                attributes: [.posixPermissions: mode])
            #expect(
                refusal()?.contains("readable by other users (mode \(String(mode, radix: 8))): chmod 600") == true,
                "mode \(String(mode, radix: 8))")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configuration.tokenPath)
        #expect(refusal() == nil)
        #expect(try configuration.loadToken() == "smiley_abc")
    }

    @Test func aPartialOutputsObjectKeepsTheDefaultsOfWhatItLeavesOut() throws {
        let buzzerOnly = try load(minimal.replacingOccurrences(of: "}", with: #", "outputs": {"buzzer": "GPIO25"}}"#))
            .get()
        #expect(buzzerOnly.outputs == OutputConfiguration(buzzer: "GPIO25"))
        #expect(buzzerOnly.outputs.satisfactionLED == "GPIO23" && buzzerOnly.outputs.accessibilityLED == "GPIO24")
        // An explicit null turns one LED off, and stays off once written back.
        let oneOff = try load(minimal.replacingOccurrences(of: "}", with: #", "outputs": {"satisfactionLED": null}}"#))
            .get()
        #expect(oneOff.outputs.satisfactionLED == nil && oneOff.outputs.accessibilityLED == "GPIO24")
        let written = try JSONEncoder().encode(oneOff)
        #expect(try JSONDecoder().decode(DeviceConfiguration.self, from: written).outputs == oneOff.outputs)
    }

    @Test func aRealtimePriorityOutsideWhatSCHEDFIFOAcceptsIsRefused() throws {
        func withPriority(_ value: String) -> String {
            minimal.replacingOccurrences(of: "}", with: #", "outputs": {"realtimePriority": "# + value + "}}")
        }
        #expect(message(withPriority("0")).contains("outputs.realtimePriority = 0: expected 1 to 99"))
        #expect(message(withPriority("100")).contains("outputs.realtimePriority = 100: expected 1 to 99"))
        #expect(message(withPriority("-5")).contains("outputs.realtimePriority = -5"))
        #expect(try load(withPriority("1")).get().outputs.realtimePriority == 1)
        #expect(try load(withPriority("99")).get().outputs.realtimePriority == 99)
    }

    @Test func anUnreadableBootIdIsReplacedByOneDrawnForThisProcess() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("boot_id-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("0b3c7f0e-1d2a-4c5b-9e8f-0123456789ab\n".utf8))
        #expect(BootIdentity.current(path: path) == "0b3c7f0e-1d2a-4c5b-9e8f-0123456789ab")
        let missing = BootIdentity.current(path: path + "-missing")
        // Not a constant every device shares: a fresh UUID, the same all through this process.
        #expect(UUID(uuidString: missing) != nil)
        #expect(missing == BootIdentity.fallback && BootIdentity.current(path: "/nonexistent") == missing)
        _ = FileManager.default.createFile(atPath: path, contents: Data("\n".utf8))
        #expect(BootIdentity.current(path: path) == missing)
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: ConfigurationError.self) { try DeviceConfiguration.load(path: "/nonexistent/device.json") }
    }
}
