import type { ResizeMode } from '../backbones/spec.js';
import { decodeForDisplay, decodeImage, type RgbImage } from '../images/decode.js';

/**
 * The part of a picture the network saw, for drawing a map over it: the whole picture for
 * 'fill' (at its own aspect ratio: the network's squashed grid stretches back over it), the
 * centred square for 'cover', its central 87.5% for 'crop'. At most maxSide pixels a side.
 */
export async function modelViewImage(file: string, resize: ResizeMode, maxSide = 512): Promise<RgbImage> {
  if (resize === 'fill') return decodeForDisplay(file, maxSide, maxSide);
  return decodeImage(file, [maxSide, maxSide], resize);
}
