package dev.kiln.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TLS on every Service in front of a Kiln service: the pods behind it serve HTTPS with a certificate file from
 * the Secret of a cert-manager Certificate, whose names include every name a client in the cluster may use for
 * the Service, issued by an issuer the manifest has. (The port and probe side is {@link ContainerChecks}'.)
 */
final class TlsChecks {

    /** The Quarkus setting that turns HTTPS on: the certificate's PEM file. */
    static final String CERTIFICATE_FILES = "quarkus.http.ssl.certificate.files";
    private static final String CERTIFICATE_VARIABLE = ServiceConfig.environmentForm(CERTIFICATE_FILES);

    private TlsChecks() {
    }

    static List<String> problems(Rendered manifest) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode service : manifest.ofKind("Service")) {
            Map<String, String> selector = Rendered.labels(service.path("spec").path("selector"));
            for (KilnContainer kiln : KilnContainer.of(manifest)) {
                if (Rendered.selects(selector, WiringChecks.podLabels(kiln.deployment()))) {
                    checkServedOverTls(manifest, service, kiln, problems);
                }
            }
        }
        for (ObjectNode certificate : manifest.ofKind("Certificate")) {
            JsonNode issuer = certificate.path("spec").path("issuerRef");
            String kind = issuer.path("kind").asText("Issuer");
            // A ClusterIssuer is the cluster administrator's, outside the manifest.
            if (kind.equals("Issuer") && manifest.find("Issuer", issuer.path("name").asText()).isEmpty()) {
                problems.add(Rendered.ref(certificate) + ": issuer " + issuer.path("name").asText()
                        + " is not in the manifest");
            }
        }
        return problems;
    }

    private static void checkServedOverTls(Rendered manifest, ObjectNode service, KilnContainer kiln,
            List<String> problems) {
        String where = Rendered.ref(service) + " (" + kiln.where() + ")";
        Optional<String> file = kiln.valueOf(CERTIFICATE_VARIABLE);
        if (file.isEmpty()) {
            problems.add(where + ": served over plain HTTP; set " + CERTIFICATE_VARIABLE
                    + " to the certificate of a cert-manager Certificate");
            return;
        }
        Optional<String> secret = secretMountedAt(kiln.pod(), kiln.container(), file.get());
        Optional<ObjectNode> certificate = secret.flatMap(s -> PlatformRefs.certificateWriting(manifest, s));
        if (certificate.isEmpty()) {
            problems.add(where + ": certificate file " + file.get() + " is not from the Secret of a"
                    + " cert-manager Certificate" + secret.map(s -> " (it mounts Secret " + s + ")").orElse(""));
            return;
        }
        List<String> names = new ArrayList<>();
        certificate.get().path("spec").path("dnsNames").forEach(name -> names.add(name.asText()));
        String name = Rendered.name(service);
        String namespace = service.path("metadata").path("namespace").asText();
        for (String wanted : List.of(name, name + "." + namespace + ".svc")) {
            if (!names.contains(wanted)) {
                problems.add(Rendered.ref(certificate.get()) + ": dnsNames " + names + " do not include "
                        + wanted + ", a name of " + Rendered.ref(service)
                        + ", so clients calling it by that name reject its certificate");
            }
        }
    }

    /** The Secret behind the volume mounted where {@code file} lies. */
    private static Optional<String> secretMountedAt(JsonNode pod, JsonNode container, String file) {
        for (JsonNode mount : container.path("volumeMounts")) {
            String path = mount.path("mountPath").asText().replaceAll("/+$", "");
            if (!file.startsWith(path + "/")) {
                continue;
            }
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.path("name").asText().equals(mount.path("name").asText())
                        && volume.path("secret").has("secretName")) {
                    return Optional.of(volume.path("secret").path("secretName").asText());
                }
            }
        }
        return Optional.empty();
    }
}
