import Foundation
import Testing
@testable import ContainProfile

func shippedProfiles() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/profiles")) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()
}

@Suite struct ShippedProfiles {
    @Test(arguments: shippedProfiles())
    func passesCheck(_ name: String) {
        var vars = testVariables
        vars.environment["CONTAIN_PROFILE_PATH"] = repositoryRoot + "/profiles"
        // kubectl.yaml reads the caller's kubeconfig and allows only its API server: both from the environment.
        vars.environment["KUBECONFIG"] = "/home/tester/.kube/config"
        vars.environment["KUBE_API_SERVER"] = "127.0.0.1:6443"
        let d = ProfileLoader(variables: vars).check(repositoryRoot + "/profiles/" + name)
        #expect(d.filter { $0.severity == .error }.isEmpty, "\(d.map(\.description).joined(separator: "\n"))")
    }
}
