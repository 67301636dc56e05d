import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file only its owner may read (a token, a private key): mode 0600 from its first byte.
///
/// It is created under a fresh temporary name in the same directory with `O_CREAT | O_EXCL` and mode
/// 0600 (so no one can have it open already, and the umask cannot widen it), written, flushed to
/// disk, and renamed over `path`: a reader sees the old file or the whole new one.
public enum SecretFile {
    public static func create(_ contents: Data, at path: String) throws(SecretFileError) {
        let temporary = path + ".new-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw SecretFileError(operation: "create", path: temporary, errno: errno) }
        var failure: SecretFileError?
        contents.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 {
                    failure = SecretFileError(operation: "write", path: temporary, errno: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 {
            failure = SecretFileError(operation: "sync", path: temporary, errno: errno)
        }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 {
            failure = SecretFileError(operation: "rename", path: path, errno: errno)
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}

/// A secret file could not be written; names the step, the file and the system's reason.
public struct SecretFileError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(errno)))" }
}
