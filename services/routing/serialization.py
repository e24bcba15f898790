"""Fitted models as bytes, signed: routing only unpickles what it wrote itself."""

import hashlib
import hmac
import pickle
import zlib

from services.routing.classifier import Classifier


class UntrustedModel(ValueError):
    """A stored model whose signature does not match: never unpickled."""


def sign(blob: bytes, *, key: str) -> str:
    return hmac.new(key.encode(), blob, hashlib.sha256).hexdigest()


def dump(classifier: Classifier, *, key: str) -> tuple[bytes, str]:
    blob = zlib.compress(pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL), 6)
    return blob, sign(blob, key=key)


def load(blob: bytes, signature: str, *, key: str) -> Classifier:
    if not hmac.compare_digest(sign(blob, key=key), signature):
        raise UntrustedModel("model signature mismatch")
    # Safe: the bytes are exactly those routing signed with its own key.
    classifier = pickle.loads(zlib.decompress(blob))
    if not isinstance(classifier, Classifier):
        raise UntrustedModel("stored object is not a classifier")
    return classifier
