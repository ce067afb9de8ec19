/**
 * DNS questions asked through dnsjava: {@link io.portcullis.dns.DnsLookup} answers TXT, A/AAAA, MX
 * and PTR with a failure kept apart from "no such record". Used by sender authentication (content)
 * and the connection-stage policy checks. {@link io.portcullis.dns.DnsListLookup} asks DNS lists
 * (many names at once under one budget, with a per-TTL cache) for the dnsbl and dbl checks.
 * Depends on nothing of ours.
 */
package io.portcullis.dns;
