import Testing
@testable import ContainProfile
@Test func defaultProfileDeniesByDefault() { #expect(Profile().environment.syscalls.defaultAction == .errno(1)) }
