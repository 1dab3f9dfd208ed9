import cv2
import numpy as np
import pytest

from capture.geometry import Transform, TransformChain, bbox


@pytest.mark.parametrize(
    "k,rot", [(1, cv2.ROTATE_90_CLOCKWISE), (2, cv2.ROTATE_180), (3, cv2.ROTATE_90_COUNTERCLOCKWISE)]
)
def test_rotate90_matrix_matches_cv2_rotate(k, rot):
    img = np.zeros((40, 70), np.uint8)
    img[5, 60] = 255  # (x=60, y=5)
    out = cv2.rotate(img, rot)
    t = Transform.rotate90("rot", k, (70, 40))
    ys, xs = np.nonzero(out)
    assert t.out_size == (out.shape[1], out.shape[0])
    mapped = TransformChain((70, 40), (t,)).from_original(np.array([[60, 5]]))
    assert mapped.round().tolist() == [[xs[0], ys[0]]]


def test_chain_maps_back_through_scale_affine_and_perspective():
    chain = TransformChain((1000, 800))
    chain = chain.then(Transform.scale("down", 0.5, 0.5, (500, 400)))
    rot = cv2.getRotationMatrix2D((250, 200), 3.0, 1.0)
    chain = chain.then(Transform.affine("deskew", rot, (500, 400)))
    src = np.float32([[10, 10], [490, 20], [480, 390], [20, 380]])
    dst = np.float32([[0, 0], [400, 0], [400, 300], [0, 300]])
    chain = chain.then(Transform("warp", cv2.getPerspectiveTransform(src, dst).astype(float), (400, 300)))
    pts = np.array([[100.0, 200.0], [900.0, 700.0], [333.0, 444.0]])
    forward = chain.from_original(pts)
    assert np.allclose(chain.to_original(forward), pts, atol=1e-6)
    assert chain.size == (400, 300)
    assert chain.names() == ["down", "deskew", "warp"]


def test_bbox_of_polygon():
    assert bbox(((3, 9), (10, 2), (12, 8), (4, 11))) == (3.0, 2.0, 12.0, 11.0)
