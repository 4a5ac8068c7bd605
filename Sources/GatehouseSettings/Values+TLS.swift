import GatehouseGateway

extension Values {
    /// The `tls` section, when any of its keys is present. The files are read here, so that
    /// `check-config` names a missing file or a bad PEM by its key.
    func tls(_ problems: inout [String]) -> GatewayConfiguration.TLS? {
        guard present.contains(where: { $0.hasPrefix("tls.") }) else { return nil }
        let certificate = string("tls.cert_file", &problems)
        let key = string("tls.key_file", &problems)
        if certificate == nil { problems.append("tls.cert_file: required with the other tls keys (the server's certificate chain, PEM)") }
        if key == nil { problems.append("tls.key_file: required with the other tls keys (the server's private key, PEM)") }
        var fingerprints: [CertificateFingerprint] = []
        for (index, entry) in (list("tls.client_fingerprints", &problems) ?? []).enumerated() {
            guard let fingerprint = CertificateFingerprint(entry) else {
                problems.append(
                    "tls.client_fingerprints[\(index)]: '\(entry)' is not a SHA-256 fingerprint (64 hexadecimal digits, with or without colons)"
                )
                continue
            }
            fingerprints.append(fingerprint)
        }
        let authorities = string("tls.client_ca_file", &problems)
        let mode = choice("tls.client_certificate", &problems).flatMap(GatewayConfiguration.TLS.ClientCertificateMode.init(rawValue:))
        guard let certificate, let key else { return nil }

        var tls = GatewayConfiguration.TLS(certificateChainFile: certificate, privateKeyFile: key)
        tls.clientCAFile = authorities
        tls.clientFingerprints = fingerprints
        let verifies = present.contains("tls.client_ca_file") || present.contains("tls.client_fingerprints")
        tls.clientCertificate = mode ?? (verifies ? .optional : .none)
        for problem in tls.validate() {
            problems.append("\(Self.keys[problem.field] ?? "tls"): \(problem.message)")
        }
        return tls
    }

    private static let keys: [GatewayTLSError.Field: String] = [
        .certificateChainFile: "tls.cert_file",
        .privateKeyFile: "tls.key_file",
        .clientCAFile: "tls.client_ca_file",
        .clientCertificate: "tls.client_certificate",
        .connectorClientCertificate: "auth.connectors.client_certificate",
    ]
}
