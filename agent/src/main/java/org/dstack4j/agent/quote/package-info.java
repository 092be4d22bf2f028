/** TDX quote v4 encoding and signing (TD report body, QE report, certification data). */
package org.dstack4j.agent.quote;
