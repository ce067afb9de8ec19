package io.portcullis.delivery.dane;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Matches a server certificate's DNS names against reference identifiers (RFC 6125 §6.4, as
 * RFC 7672 §3.2.3 applies it to SMTP): the subjectAltName dNSNames, or the subject CN when there
 * are none; a wildcard only as the whole left-most label, matching exactly one label.
 */
public final class CertificateNames {
    private CertificateNames() {
    }

    /**
     * @param references names the certificate may carry (lower-case, without a trailing dot)
     * @param subdomains also accept a name one or more labels below a reference ("dot-nexthop")
     */
    public static boolean matches(X509Certificate certificate, List<String> references, boolean subdomains) {
        for (String presented : dnsNames(certificate)) {
            for (String reference : references) {
                if (matches(presented, normalize(reference), subdomains)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The dNSName entries, or the subject's common names when there is no dNSName. */
    public static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() == 2 && Integer.valueOf(2).equals(entry.get(0)) && entry.get(1) instanceof String name) {
                        names.add(normalize(name));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        if (names.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String name) {
                        names.add(normalize(name));
                    }
                }
            } catch (InvalidNameException e) {
                return List.of();
            }
        }
        return names;
    }

    private static boolean matches(String presented, String reference, boolean subdomains) {
        if (presented.startsWith("*.")) {
            String parent = presented.substring(2);
            if (parent.indexOf('*') >= 0) {
                return false;
            }
            int dot = reference.indexOf('.');
            // "*.example.org" names "mx.example.org"; with sub-domains allowed it names only
            // sub-domains of "example.org" and of any reference it lies below.
            return dot > 0 && reference.substring(dot + 1).equals(parent)
                    || subdomains && (parent.equals(reference) || parent.endsWith("." + reference));
        }
        return presented.equals(reference) || subdomains && presented.endsWith("." + reference);
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
