/**
 * Benchmark tooling: {@link org.dstack4j.bench.UnixLoad}, a closed-loop HTTP/1.1 load generator
 * for unix domain sockets (wrk and h2load cannot connect to one), driven by {@code bench/agent}.
 */
package org.dstack4j.bench;
