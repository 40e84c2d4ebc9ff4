package io.lockd.client; final class Placeholder {}
