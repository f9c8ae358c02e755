package io.paligemma.scheduler;

import java.util.Arrays;

/** An exact prompt prefix: the picture (with its model) and every input id, compared id by id. */
final class PrefixKey {
    private final ImageKey image;
    private final int[] ids;
    private final int hash;

    PrefixKey(ImageKey image, int[] ids) {
        this.image = image;
        this.ids = ids.clone();
        this.hash = 31 * image.hashCode() + Arrays.hashCode(ids);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixKey k && k.hash == hash && k.image.equals(image) && Arrays.equals(k.ids, ids);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
