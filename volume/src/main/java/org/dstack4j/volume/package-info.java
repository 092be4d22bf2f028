package org.dstack4j.volume;
