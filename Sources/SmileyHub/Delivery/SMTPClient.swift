import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how the hub sends mail. Secrets are read from files, never given on the command line.
public struct SMTPConfiguration: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Upgrade with STARTTLS and refuse to go on without it.
        case starttls
        /// Plain text (a relay on the same machine); no password is ever sent this way.
        case none
    }

    public var host: String
    public var port: Int
    public var from: String
    public var security: Security
    public var user: String?
    public var password: String?
    /// PEM file of the certificate authorities to trust instead of the system's (a private CA, a test).
    public var caFile: String?
    /// The name this hub greets the server with (EHLO).
    public var heloName: String
    /// How long each step (connect, each reply) may take.
    public var stepTimeout: Duration

    public init(
        host: String, port: Int = 587, from: String, security: Security = .starttls, user: String? = nil,
        password: String? = nil, caFile: String? = nil, heloName: String = "smiley-hub",
        stepTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.from = from
        self.security = security
        self.user = user
        self.password = password
        self.caFile = caFile
        self.heloName = heloName
        self.stepTimeout = stepTimeout
    }
}

/// What went wrong sending mail: the step that failed and what the server said (or why there was no reply).
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public let step: String
    public let problem: String

    public var description: String { "SMTP \(step) failed: \(problem)" }
}

/// One SMTP reply: its code and its lines' texts.
struct SMTPReply: Sendable, Hashable {
    var code: Int
    var lines: [String]

    var text: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// Splits the server's bytes into replies (RFC 5321 4.2: "250-..." continues, "250 ..." ends).
final class SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 {
                throw SMTPError(step: "reading a reply", problem: "a line over 4096 bytes")
            }
            return .needMoreData
        }
        var line = buffer.readString(length: newline - buffer.readerIndex + 1) ?? ""
        while line.last?.isNewline == true { line.removeLast() }
        let characters = Array(line)
        guard characters.count >= 3, let code = Int(String(characters[0..<3])),
            characters.count == 3 || characters[3] == " " || characters[3] == "-"
        else {
            throw SMTPError(
                step: "reading a reply", problem: "the server sent a line that is not a reply: \(line.prefix(80))")
        }
        lines.append(characters.count > 4 ? String(characters[4...]) : "")
        if characters.count == 3 || characters[3] == " " {
            context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
            lines = []
        }
        return .continue
    }
}

/// Hands replies to the waiting client through a stream; a connection error or close ends the stream.
final class SMTPReplyForwarder: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    let sink: AsyncThrowingStream<SMTPReply, any Error>.Continuation

    init(sink: AsyncThrowingStream<SMTPReply, any Error>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sink.yield(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }
}

/// The hub's own SMTP client on SwiftNIO: EHLO, STARTTLS (NIOSSL, trust roots configurable), AUTH PLAIN,
/// MAIL/RCPT/DATA with dot-stuffing, a timeout on every step, and errors naming the step and the reply.
public struct SMTPClient: MailTransport {
    public let configuration: SMTPConfiguration
    let group: any EventLoopGroup
    let clock: HubClock

    public init(
        configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        clock: HubClock = .system
    ) {
        self.configuration = configuration
        self.group = group
        self.clock = clock
    }

    /// The TLS settings STARTTLS uses: full certificate and host name verification against the CA file's
    /// roots when one is given, else the system's.
    func tlsContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = configuration.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw SMTPError(step: "STARTTLS", problem: "cannot read the CA file \(caFile): \(error)")
            }
        }
        return try NIOSSLContext(configuration: tls)
    }

    public func send(_ message: MailMessage) async throws {
        let config = configuration
        guard !message.to.isEmpty else { throw SMTPError(step: "RCPT TO", problem: "the message has no recipients") }
        for address in [message.from] + message.to where !MailAddress.isValid(address) {
            throw SMTPError(step: "MAIL", problem: "'\(address)' is not an e-mail address")
        }
        if config.password != nil && config.security == .none {
            throw SMTPError(step: "AUTH", problem: "refusing to send the password without STARTTLS")
        }
        let (replies, sink) = AsyncThrowingStream.makeStream(of: SMTPReply.self)
        let timeout = TimeAmount(config.stepTimeout)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyForwarder(sink: sink))
                    }
                }
                .connect(host: config.host, port: config.port).get()
        } catch {
            throw SMTPError(step: "connect", problem: "cannot reach \(config.host):\(config.port): \(error)")
        }
        defer { channel.close(promise: nil) }
        var iterator = replies.makeAsyncIterator()

        /// Sends a line (nil: only waits, as for the greeting) and returns the reply, which must have one of
        /// `expected` codes.
        func step(_ name: String, _ line: String?, expect expected: Set<Int>) async throws -> SMTPReply {
            let timer = channel.eventLoop.scheduleTask(in: timeout) {
                sink.finish(throwing: SMTPError(step: name, problem: "no reply within \(config.stepTimeout)"))
            }
            defer { timer.cancel() }
            if let line {
                do {
                    try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
                } catch {
                    // The connection failed; its reason (a TLS failure, say) ended the reply stream.
                    var reason = "\(error)"
                    do { _ = try await iterator.next() } catch { reason = "\(error)" }
                    throw SMTPError(step: name, problem: "cannot send: \(reason)")
                }
            }
            let reply: SMTPReply?
            do { reply = try await iterator.next() } catch let error as SMTPError {
                throw error
            } catch {
                throw SMTPError(step: name, problem: "\(error)")
            }
            guard let reply else { throw SMTPError(step: name, problem: "the server closed the connection") }
            guard expected.contains(reply.code) else {
                throw SMTPError(step: name, problem: "the server replied \(reply.text)")
            }
            return reply
        }

        _ = try await step("greeting", nil, expect: [220])
        var hello = try await step("EHLO", "EHLO \(config.heloName)", expect: [250])
        if config.security == .starttls {
            guard hello.lines.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw SMTPError(step: "STARTTLS", problem: "the server does not offer STARTTLS (\(hello.text))")
            }
            _ = try await step("STARTTLS", "STARTTLS", expect: [220])
            let context = try tlsContext()
            let host = config.host
            let serverName = host.first?.isNumber == true || host.contains(":") ? nil : host
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    try NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
            }.get()
            hello = try await step("EHLO after STARTTLS", "EHLO \(config.heloName)", expect: [250])
        }
        if let user = config.user {
            let mechanisms = hello.lines.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
            guard mechanisms.split(separator: " ").contains("PLAIN") else {
                throw SMTPError(step: "AUTH PLAIN", problem: "the server does not offer AUTH PLAIN (\(hello.text))")
            }
            let credentials = Data(([0] + Array(user.utf8) + [0] + Array((config.password ?? "").utf8)))
            _ = try await step("AUTH PLAIN", "AUTH PLAIN \(credentials.base64EncodedString())", expect: [235])
        }
        _ = try await step("MAIL FROM", "MAIL FROM:<\(message.from)>", expect: [250])
        for recipient in message.to {
            _ = try await step("RCPT TO:<\(recipient)>", "RCPT TO:<\(recipient)>", expect: [250, 251])
        }
        _ = try await step("DATA", "DATA", expect: [354])
        let rendered = message.rendered(
            dateMillis: clock.nowMillis(), messageID: "\(UUID().uuidString.lowercased())@\(config.heloName)")
        _ = try await step("DATA (message)", Self.dotStuffed(rendered) + ".", expect: [250])
        _ = try? await step("QUIT", "QUIT", expect: [221])
    }

    /// RFC 5321 4.5.2: a line beginning with "." gets another; lines end in CRLF. Ends with CRLF, so the
    /// terminating "." follows on its own line.
    public static func dotStuffed(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        var lines = normalised.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") ? "." + line : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0 + "\r\n" }.joined()
    }
}
