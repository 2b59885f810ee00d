/**
 * What the network sees is the pixel values as coded, an embedded ICC profile ignored: so do the
 * decoders of TensorFlow, PIL and torchvision, which fed the pretrained weights (and fastai). The
 * transform also cost 5-7 ms of CPU a picture, and 36% of Oxford Pet's pictures carry a
 * profile.
 * Pictures drawn for a person stay colour-managed. Cached rows are keyed by this name
 * (a module of its own: the caches need it without loading sharp).
 */
export const NETWORK_PIXELS = 'as-coded';
