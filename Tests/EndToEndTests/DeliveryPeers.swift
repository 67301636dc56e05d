import Foundation
import Testing

/// The real SMTP server and webhook receiver of Tests/peers/delivery_peers.py, run from the Python environment
/// that scripts/python-env.sh makes (`make unit-tests` makes it), with a self-signed certificate made by
/// openssl for this test.
struct DeliveryPeers {
    static let user = "smiley-hub"
    static let password = "mail-password-for-tests"
    static let secret = "webhook-secret-0123456789abcdef"

    let directory: String
    let smtpPort: Int
    let httpPort: Int
    /// Accepts connections and never answers.
    let silentPort: Int
    let process: Process
    let input: Pipe

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The environment's python, as scripts/python-env.sh places it; nil when the environment is absent.
    static var python: String? {
        let venv = ProcessInfo.processInfo.environment["SMILEY_PYTHON_ENV"] ?? root.path + "/.build/system-python"
        let path = venv + "/bin/python"
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    static var absentReason: Comment {
        "the Python environment is absent: run scripts/python-env.sh (make unit-tests does) for aiosmtpd"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "\(tool) \(arguments) failed") }
    }

    /// Starts both peers; `failFirstWebhook`: the receiver answers 500 to the first POST.
    static func start(failFirstWebhook: Bool = true) throws -> DeliveryPeers {
        guard let python else { throw Failure(description: "\(absentReason)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smiley-peers-\(UUID().uuidString)"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem", "-out",
                directory + "/cert.pem", "-days", "1", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            root.path + "/Tests/peers/delivery_peers.py", directory, directory + "/cert.pem", directory + "/key.pem",
            user, password, secret, failFirstWebhook ? "fail-first" : "accept",
        ]
        let input = Pipe()
        let output = Pipe()
        let errors = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else {
                throw Failure(description: "delivery_peers.py ended before listening (is aiosmtpd installed?)")
            }
            line += chunk
        }
        guard let ports = try JSONSerialization.jsonObject(with: line) as? [String: Int], let smtp = ports["smtp"],
            let http = ports["http"], let silent = ports["silent"]
        else { throw Failure(description: "delivery_peers.py said \(String(decoding: line, as: UTF8.self))") }
        return DeliveryPeers(
            directory: directory, smtpPort: smtp, httpPort: http, silentPort: silent, process: process, input: input)
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var caFile: String { directory + "/cert.pem" }
    var webhookURL: URL { URL(string: "http://127.0.0.1:\(httpPort)/smiley-hook")! }

    func records(_ name: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    var mails: [[String: Any]] { records("mail.jsonl") }
    var hooks: [[String: Any]] { records("hooks.jsonl") }
}
