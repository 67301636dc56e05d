// libFuzzer target: a device configuration file (/etc/smiley/device.json), decoded and validated as
// `smiley-device run` does. Built with the SmileyCore sources and the device's configuration files.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let configuration = try? JSONDecoder().decode(DeviceConfiguration.self, from: Data(bytes: data, count: size))
    else { return 0 }
    _ = try? configuration.validate()
    return 0
}
