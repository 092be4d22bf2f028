/**
 * Linux TDX backend of the guest agent: real quotes from configfs-tsm, RTMR3 extension through
 * the {@code tdx_guest} sysfs measurement file, and a durable runtime event log on disk
 * ({@link org.dstack4j.agent.tdx.LinuxTdx}).
 *
 * <p>Not yet run on TDX hardware. Every path (the configfs report root, the sysfs RTMR3 file) is
 * configurable, and the tests run the backend against a temporary directory laid out like
 * configfs and sysfs, with a test thread playing the kernel (see docs/agent.md).
 */
package org.dstack4j.agent.tdx;
