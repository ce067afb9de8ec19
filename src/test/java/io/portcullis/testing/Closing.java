package io.portcullis.testing;

/** Tear-down for test classes whose fixtures may not all have started. */
public final class Closing {
    private Closing() {
    }

    /** Closes each resource that is not null, in order; every one is tried, the first failure is thrown. */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
