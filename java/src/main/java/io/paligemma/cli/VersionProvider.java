package io.paligemma.cli;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"paligemma-ffm " + (v == null ? "(development build)" : v),
                "JDK " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
