/** The RTMR3 runtime event log both backends keep: append-only JSON-lines storage and its cap. */
package org.dstack4j.agent.eventlog;
