import AsyncHTTPClient
import NIOSSL

extension DeviceConfiguration {
    /// The HTTP client the device talks to its hub with. For an `https://` hub it verifies the
    /// hub's certificate against `hubCAFile` when given, else against the system's trust store.
    public func makeHubClient() throws(ConfigurationError) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        if let hubCAFile {
            let roots: [NIOSSLCertificate]
            do { roots = try NIOSSLCertificate.fromPEMFile(hubCAFile) } catch {
                throw .invalidValue(
                    key: "hubCAFile", value: hubCAFile, reason: "not a readable PEM certificate: \(error)")
            }
            guard !roots.isEmpty else {
                throw .invalidValue(key: "hubCAFile", value: hubCAFile, reason: "holds no certificate")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(roots)
            configuration.tlsConfiguration = tls
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
