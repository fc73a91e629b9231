//! Holds only the black-box test suite under `api/`.
