package io.paligemma.generate.logits;

/** The k-th largest of a float vector without sorting it: a min-heap of the k largest seen so far. */
final class Selection {
    private float[] heap = new float[0];

    /** The k-th largest value of x (1 ≤ k ≤ x.length), counting equal values separately, as torch.topk does. */
    float kthLargest(float[] x, int k) {
        if (k < 1 || k > x.length) {
            throw new IllegalArgumentException("k = " + k + " outside [1, " + x.length + "]");
        }
        if (heap.length < k) {
            heap = new float[k];
        }
        System.arraycopy(x, 0, heap, 0, k);
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(i, k);
        }
        for (int i = k; i < x.length; i++) {
            if (x[i] > heap[0]) {       // larger than the smallest of the k largest: it takes that one's place
                heap[0] = x[i];
                siftDown(0, k);
            }
        }
        return heap[0];
    }

    private void siftDown(int i, int n) {
        float v = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && heap[c + 1] < heap[c]) {
                c++;
            }
            if (heap[c] >= v) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = v;
    }
}
