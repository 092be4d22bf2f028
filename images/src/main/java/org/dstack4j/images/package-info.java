/** KubernEthes: the cluster contract owns the approved images; members follow it through the launcher. */
package org.dstack4j.images;
